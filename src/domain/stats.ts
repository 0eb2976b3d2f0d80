/** Small numeric helpers for the classifier. All skip NaN unless they say otherwise. */

export function finite(values: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) out.push(v);
  }
  return out;
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? NaN : sum / n;
}

/** The finite values, sorted, in a typed array (its native numeric sort is several times faster). */
function sortedFinite(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) n++;
  const xs = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) xs[k++] = v;
  }
  return xs.sort();
}

/** Quantile with linear interpolation, q in [0, 1]. Sorts a copy. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const xs = sortedFinite(values);
  if (xs.length === 0) return NaN;
  const pos = (xs.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo]! + (xs[hi]! - xs[lo]!) * (pos - lo);
}

export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** Median absolute deviation scaled to estimate a standard deviation. */
export function robustSd(values: ArrayLike<number>): number {
  const xs = sortedFinite(values);
  if (xs.length < 2) return 0;
  const m = quantile(xs, 0.5);
  const deviations = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) deviations[i] = Math.abs(xs[i]! - m);
  return 1.4826 * quantile(deviations, 0.5);
}

/** Centred sums over the points where both x and y are finite. */
interface Moments {
  readonly n: number;
  readonly mx: number;
  readonly my: number;
  readonly sxx: number;
  readonly syy: number;
  readonly sxy: number;
}

function moments(xs: ArrayLike<number>, ys: ArrayLike<number>): Moments {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (Number.isFinite(x) && Number.isFinite(y)) {
      n++;
      sx += x;
      sy += y;
    }
  }
  const mx = n > 0 ? sx / n : NaN;
  const my = n > 0 ? sy / n : NaN;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (Number.isFinite(x) && Number.isFinite(y)) {
      sxy += (x - mx) * (y - my);
      sxx += (x - mx) ** 2;
      syy += (y - my) ** 2;
    }
  }
  return { n, mx, my, sxx, syy, sxy };
}

export function pearson(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  const m = moments(xs, ys);
  if (m.n < 3 || m.sxx <= 0 || m.syy <= 0) return 0;
  return m.sxy / Math.sqrt(m.sxx * m.syy);
}

export interface LineFit {
  readonly slope: number;
  readonly intercept: number;
  /** Coefficient of determination, 0..1 (0 when y is constant). */
  readonly r2: number;
  readonly n: number;
}

/** Ordinary least squares of y on x over the points where both are finite. */
export function fitLine(xs: ArrayLike<number>, ys: ArrayLike<number>): LineFit {
  const { n, mx, my, sxx, syy, sxy } = moments(xs, ys);
  if (n < 2) return { slope: 0, intercept: n === 1 ? my : NaN, r2: 0, n };
  if (sxx <= 0) return { slope: 0, intercept: my, r2: 0, n };
  const slope = sxy / sxx;
  const r2 = syy <= 0 ? 0 : Math.min(1, (sxy * sxy) / (sxx * syy));
  return { slope, intercept: my - slope * mx, r2, n };
}

/**
 * A robust slope: the median of slopes between points half the span apart.
 * Close to Theil–Sen on trends, O(n log n), and a sawtooth or a few spikes barely move it.
 */
export function robustSlope(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  const px: number[] = [];
  const py: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    if (Number.isFinite(xs[i]!) && Number.isFinite(ys[i]!)) {
      px.push(xs[i]!);
      py.push(ys[i]!);
    }
  }
  const n = px.length;
  if (n < 2) return 0;
  if (n < 4) return (py[n - 1]! - py[0]!) / (px[n - 1]! - px[0]! || 1);
  const half = Math.floor(n / 2);
  const slopes: number[] = [];
  for (let i = 0; i + half < n; i++) {
    const dx = px[i + half]! - px[i]!;
    if (dx > 0) slopes.push((py[i + half]! - py[i]!) / dx);
  }
  return slopes.length === 0 ? 0 : median(slopes);
}

export interface Regression {
  /** Coefficient of determination, 0..1 (0 when degenerate). */
  readonly r2: number;
  /** One coefficient per column, in the column's own units. */
  readonly coefficients: readonly number[];
  readonly intercept: number;
}

/**
 * Multiple regression of y on several columns plus an intercept, by normal equations.
 * Rows with a NaN anywhere are skipped.
 */
export function regress(columns: readonly ArrayLike<number>[], ys: ArrayLike<number>): Regression {
  const k = columns.length + 1;
  const none: Regression = { r2: 0, coefficients: columns.map(() => 0), intercept: NaN };
  const rows: number[][] = [];
  const targets: number[] = [];
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i]!;
    if (!Number.isFinite(y)) continue;
    const row = [1];
    let ok = true;
    for (const col of columns) {
      const v = col[i]!;
      if (!Number.isFinite(v)) {
        ok = false;
        break;
      }
      row.push(v);
    }
    if (!ok) continue;
    rows.push(row);
    targets.push(y);
  }
  if (rows.length <= k) return none;
  // Standardise columns so the normal equations stay well conditioned.
  const means: number[] = [0];
  const sds: number[] = [1];
  for (let j = 1; j < k; j++) {
    const col = rows.map((r) => r[j]!);
    const m = col.reduce((a, b) => a + b, 0) / col.length;
    const sd = Math.sqrt(col.reduce((a, b) => a + (b - m) ** 2, 0) / col.length) || 1;
    means.push(m);
    sds.push(sd);
    for (const r of rows) r[j] = (r[j]! - m) / sd;
  }
  const xtx: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const xty = new Array<number>(k).fill(0);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let a = 0; a < k; a++) {
      xty[a]! += row[a]! * targets[r]!;
      for (let b = 0; b < k; b++) xtx[a]![b]! += row[a]! * row[b]!;
    }
  }
  // Small ridge term: collinear columns (a traffic ramp that tracks time) must not blow up.
  for (let a = 1; a < k; a++) xtx[a]![a]! += 1e-6 * rows.length;
  const beta = solve(xtx, xty);
  if (!beta) return none;
  const my = targets.reduce((a, b) => a + b, 0) / targets.length;
  let ssTot = 0;
  let ssRes = 0;
  for (let r = 0; r < rows.length; r++) {
    let pred = 0;
    for (let a = 0; a < k; a++) pred += beta[a]! * rows[r]![a]!;
    ssRes += (targets[r]! - pred) ** 2;
    ssTot += (targets[r]! - my) ** 2;
  }
  const coefficients = beta.slice(1).map((b, j) => b / sds[j + 1]!);
  const intercept = beta[0]! - coefficients.reduce((acc, c, j) => acc + c * means[j + 1]!, 0);
  return { r2: ssTot <= 0 ? 0 : Math.max(0, Math.min(1, 1 - ssRes / ssTot)), coefficients, intercept };
}

export function regressionR2(columns: readonly ArrayLike<number>[], ys: ArrayLike<number>): number {
  return regress(columns, ys).r2;
}

/** Gaussian elimination with partial pivoting; null when singular. */
function solve(matrix: number[][], rhs: number[]): number[] | null {
  const n = rhs.length;
  const a = matrix.map((row, i) => [...row, rhs[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (Math.abs(a[pivot]![col]!) < 1e-12) return null;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = col + 1; r < n; r++) {
      const f = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= n; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = a[r]![n]!;
    for (let c = r + 1; c < n; c++) s -= a[r]![c]! * x[c]!;
    x[r] = s / a[r]![r]!;
  }
  return x;
}

export function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}

/** Maps v from [lo, hi] onto [0, 1], clamped. */
export function ramp(v: number, lo: number, hi: number): number {
  if (hi === lo) return v >= hi ? 1 : 0;
  return clamp01((v - lo) / (hi - lo));
}
