export function median(values: number[]): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function seconds(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  return ms < 10_000 ? (ms / 1000).toFixed(3) : (ms / 1000).toFixed(1);
}

export function thousands(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "—";
}

export function ratio(x: number, base: number): string {
  if (!Number.isFinite(x) || !Number.isFinite(base) || base <= 0) return "—";
  return `${(x / base).toFixed(2)}×`;
}
