/**
 * Stateless deterministic noise: the same (seed, key...) always gives the same number,
 * so a simulated series sampled on any grid is the same series.
 */

function mix(h: number, k: number): number {
  h = Math.imul(h ^ k, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae3d);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform in [0, 1) from integer keys. */
export function uniform(seed: number, ...keys: number[]): number {
  let h = mix(0x1234567, seed | 0);
  for (const k of keys) h = mix(h, k | 0);
  return h / 4294967296;
}

/** Standard normal from integer keys (Box–Muller on two hashed uniforms). */
export function gaussian(seed: number, ...keys: number[]): number {
  const u1 = Math.max(1e-12, uniform(seed, ...keys, 1));
  const u2 = uniform(seed, ...keys, 2);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** A small seeded generator for building scenarios (not for per-sample noise). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  next(): number {
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    return mix(this.state, 0x51ed27) / 4294967296;
  }
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(lo: number, hi: number): number {
    return Math.floor(this.between(lo, hi + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}
