/** Small statistics and formatting helpers for the benchmark tables. */

/** The q-quantile (0…1) of `values` by linear interpolation; NaN when empty. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The median of `values`. */
export const median = (values: number[]): number => quantile(values, 0.5);

/** The 95th percentile of `values`. */
export const p95 = (values: number[]): number => quantile(values, 0.95);

/** `value` with `digits` decimals, or "–" when not a finite number. */
export function fmt(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** A ratio as "1.03×", or "–". */
export function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : '–';
}

/** A Markdown table. */
export function table(header: string[], rows: Array<Array<string | number>>, align?: string[]): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(align ?? header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
