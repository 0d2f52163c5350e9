/** Small descriptive statistics over samples (milliseconds, bytes, …); empty input gives null. */

/** The `q`-quantile (0…1) by linear interpolation between order statistics, or null when empty. */
export function quantile(samples: readonly number[], q: number): number | null {
  if (samples.length === 0) return null;
  const s = [...samples].sort((a, b) => a - b);
  const pos = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = s[lo] as number;
  const b = s[hi] as number;
  return a + (b - a) * (pos - lo);
}

/** The median, or null when empty. */
export function median(samples: readonly number[]): number | null {
  return quantile(samples, 0.5);
}

/** The arithmetic mean, or null when empty. */
export function mean(samples: readonly number[]): number | null {
  if (samples.length === 0) return null;
  let sum = 0;
  for (const x of samples) sum += x;
  return sum / samples.length;
}

/** The five numbers of a box plot plus the count. */
export interface Summary {
  n: number;
  min: number;
  p25: number;
  median: number;
  p75: number;
  p95: number;
  max: number;
  mean: number;
}

/** Min, quartiles, p95, max and mean of the samples, or null when there are none. */
export function summarize(samples: readonly number[]): Summary | null {
  if (samples.length === 0) return null;
  return {
    n: samples.length,
    min: Math.min(...samples),
    p25: quantile(samples, 0.25) as number,
    median: quantile(samples, 0.5) as number,
    p75: quantile(samples, 0.75) as number,
    p95: quantile(samples, 0.95) as number,
    max: Math.max(...samples),
    mean: mean(samples) as number,
  };
}
