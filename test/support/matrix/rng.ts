/**
 * Randomness for the nuisance matrix, kept apart from the simulator's (src/simulation/random.ts)
 * on purpose: the matrix is a second, independent generator.
 *
 * - `Draw` is a sequential generator (sfc32) for choosing a case's parameters.
 * - `noise(seed, ...keys)` is stateless: the same keys always give the same value, so a sample
 *   at a given time is the same whichever replica or pass asks for it.
 */

function hash32(h: number, k: number): number {
  h ^= k;
  h = Math.imul(h ^ (h >>> 16), 0x21f0aaad);
  h = Math.imul(h ^ (h >>> 15), 0x735a2d97);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Uniform in [0, 1) from integer keys. */
export function noise(seed: number, ...keys: number[]): number {
  let h = hash32(0x9e3779b9, seed | 0);
  for (const k of keys) h = hash32(h, k | 0);
  return h / 4294967296;
}

/** Standard normal from integer keys. */
export function gaussianNoise(seed: number, ...keys: number[]): number {
  const u = Math.max(1e-12, noise(seed, ...keys, 0x51));
  const v = noise(seed, ...keys, 0x52);
  return Math.sqrt(-2 * Math.log(u)) * Math.sin(2 * Math.PI * v);
}

/** A string as an integer key (FNV-1a). */
export function keyOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class Draw {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t / 4294967296;
  }

  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Log-uniform between lo and hi (both > 0): as likely to be 2x lo as 2x lower than hi. */
  logBetween(lo: number, hi: number): number {
    return Math.exp(this.between(Math.log(lo), Math.log(hi)));
  }

  int(lo: number, hi: number): number {
    return Math.min(hi, Math.floor(this.between(lo, hi + 1)));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}
