import type { RunRecord } from "../../ledger/dashboard-reads";
import { html, type Html } from "../html";
import { count, duration, when } from "./format";
import { badge, layout, type PageContext } from "./layout";

/** Every run of a script: applies, reverts and dry runs, newest first, with their outcome and totals. */
export function historyPage(ctx: PageContext, script: string, description: string | null, runs: RunRecord[]): Html {
  return layout(
    ctx,
    script,
    html`<p class="crumbs"><a href="${ctx.root}">Scripts</a> / ${script}</p>
<h1>${script}</h1>${description ? html`<p class="description">${description}</p>` : ""}
<h2>History</h2>
${runs.length ? historyTable(ctx, runs) : html`<p class="empty">This script has not run yet.</p>`}`,
  );
}

function historyTable(ctx: PageContext, runs: RunRecord[]): Html {
  return html`<table class="history"><thead><tr><th>Run</th><th>Kind</th><th>Status</th><th>Started</th><th>Took</th><th>Scanned</th><th>Changed</th><th>Inserted</th><th>Chunks</th><th>Outcome</th></tr></thead>
<tbody>${runs.map((r) => {
    const took = r.finished_at ? (Date.parse(String(r.finished_at)) - Date.parse(String(r.started_at))) / 1000 : null;
    const kind = r.kind === "revert" ? html`revert of <a href="${ctx.root}runs/${r.reverts}">#${r.reverts}</a>` : r.dry_run ? "dry run" : "apply";
    return html`<tr><td><a href="${ctx.root}runs/${r.id}">#${r.id}</a></td><td>${kind}</td><td>${badge(String(r.status))}</td><td>${when(r.started_at)}</td>
<td>${took === null ? "—" : duration(took)}</td><td class="num">${count(Number(r.rows_scanned))}</td><td class="num">${count(Number(r.rows_changed))}</td>
<td class="num">${count(Number(r.rows_inserted))}</td><td class="num">${count(Number(r.chunks_total))}</td><td class="error-text">${firstLine(r.error)}</td></tr>`;
  })}</tbody></table>`;
}

function firstLine(text: unknown): string {
  return text ? String(text).split("\n")[0] : "";
}
