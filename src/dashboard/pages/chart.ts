import { html, type Html } from "../html";
import { count } from "./format";

/** One colour per participant (fill attributes: no inline style, which the CSP forbids). */
export const PALETTE = ["#2f6fdf", "#e07b24", "#2fa36b", "#b5479e", "#c8b12a", "#4fb3c9", "#8a6d3b", "#d9534f"];

const W = 720;
const H = 180;
const PAD_LEFT = 56;
const PAD_BOTTOM = 22;

/** Rows/s per host over the run, as stacked bars, drawn on the server as SVG (no chart library shipped). */
export function throughputChart(chart: { bucketSeconds: number; buckets: number; series: { label: string; rowsPerSecond: number[] }[] }): Html {
  const totals = new Array(chart.buckets).fill(0).map((_, i) => chart.series.reduce((sum, s) => sum + s.rowsPerSecond[i], 0));
  const max = niceMax(Math.max(1, ...totals));
  const plotW = W - PAD_LEFT - 8;
  const plotH = H - PAD_BOTTOM - 8;
  const barW = plotW / chart.buckets;
  const bars: Html[] = [];
  for (let i = 0; i < chart.buckets; i++) {
    let y = plotH + 8;
    chart.series.forEach((s, k) => {
      const h = (s.rowsPerSecond[i] / max) * plotH;
      if (h <= 0) return;
      y -= h;
      bars.push(
        html`<rect x="${(PAD_LEFT + i * barW).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, barW - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${PALETTE[k % PALETTE.length]}"><title>${s.label}: ${count(s.rowsPerSecond[i])} rows/s</title></rect>`,
      );
    });
  }
  const seconds = chart.buckets * chart.bucketSeconds;
  return html`<figure class="chart">
<svg class="throughput" viewBox="0 0 ${W} ${H}" role="img" aria-label="rows per second over time, per host" data-series="${chart.series.length}">
<line x1="${PAD_LEFT}" y1="8" x2="${PAD_LEFT}" y2="${H - PAD_BOTTOM}" stroke="#999"/>
<line x1="${PAD_LEFT}" y1="${H - PAD_BOTTOM}" x2="${W - 8}" y2="${H - PAD_BOTTOM}" stroke="#999"/>
<text x="${PAD_LEFT - 6}" y="14" text-anchor="end" font-size="11" fill="#555">${count(max)}</text>
<text x="${PAD_LEFT - 6}" y="${H - PAD_BOTTOM}" text-anchor="end" font-size="11" fill="#555">0</text>
<text x="${PAD_LEFT}" y="${H - 6}" font-size="11" fill="#555">start</text>
<text x="${W - 8}" y="${H - 6}" text-anchor="end" font-size="11" fill="#555">+${seconds}s</text>
${bars}
</svg>
<figcaption>rows/s per host, ${chart.bucketSeconds}s buckets${chart.series.length ? ": " : " (nothing saved yet)"}${chart.series.map(
    (s, k) => html`<span class="legend"><svg width="10" height="10" viewBox="0 0 10 10"><rect width="10" height="10" fill="${PALETTE[k % PALETTE.length]}"/></svg> ${s.label}</span>`,
  )}</figcaption>
</figure>`;
}

function niceMax(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}
