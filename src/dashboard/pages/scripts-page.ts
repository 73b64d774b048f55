import type { ScriptStatus } from "../../runtime/script-statuses";
import { html, type Html } from "../html";
import { count, when } from "./format";
import { badge, layout, type PageContext } from "./layout";

/** A script as the list shows it: `status`'s view, with `held` for a running run whose every working host holds. */
export type ScriptRow = ScriptStatus & { badge: string };

export function scriptsPage(ctx: PageContext, scripts: ScriptRow[]): Html {
  return layout(ctx, "Data scripts", html`<h1>Data scripts</h1><section data-section="scripts">${scriptsTable(ctx, scripts)}</section>`, "events");
}

export function scriptsTable(ctx: PageContext, scripts: ScriptRow[]): Html {
  if (!scripts.length) return html`<p class="empty">No data scripts in the scripts folder.</p>`;
  return html`<table class="scripts">
<thead><tr><th>Script</th><th>Status</th><th>Last run</th><th>Rows changed</th><th>Description</th></tr></thead>
<tbody>${scripts.map(
    (s) => html`<tr data-script="${s.script}">
<td><a href="${ctx.root}scripts/${encodeURIComponent(s.script)}">${s.script}</a>${s.changedSinceRun ? html` <span class="flag" title="the file changed since its last run">changed since run</span>` : ""}</td>
<td>${badge(s.badge)}</td>
<td>${s.lastRunId ? html`<a href="${ctx.root}runs/${s.lastRunId}">#${s.lastRunId}</a> ${when(s.lastRunAt)}` : "never run"}</td>
<td class="num">${s.lastRunId ? count(s.rowsChanged + s.rowsInserted) : ""}</td>
<td>${s.description ?? ""}</td>
</tr>`,
  )}</tbody></table>`;
}
