import type { ChunkCell } from "../../ledger/dashboard-reads";
import { html, raw, type Html } from "../html";
import type { Action, RunView } from "../run-view";
import { throughputChart } from "./chart";
import { count, duration, when } from "./format";
import { badge, layout, type PageContext } from "./layout";

/** The parts of a run's page its live updates replace, by name (the client swaps each `[data-section]`). */
export function runSections(ctx: PageContext, view: RunView): Record<string, string> {
  return {
    summary: summary(ctx, view).text,
    chart: throughputChart(view.chart).text,
    participants: participants(view).text,
    chunks: chunkMap(view).text,
    failures: failures(view).text,
  };
}

export function runPage(ctx: PageContext, view: RunView): Html {
  const { run } = view;
  const sections = runSections(ctx, view);
  const section = (name: string) => html`<div data-section="${name}">${raw(sections[name])}</div>`;
  const title = `${run.script} #${run.id}`;
  return layout(
    ctx,
    title,
    html`<p class="crumbs"><a href="${ctx.root}">Scripts</a> / <a href="${ctx.root}scripts/${encodeURIComponent(run.script)}">${run.script}</a> / run #${run.id}</p>
<h1>${run.script} <small>run #${run.id}${run.kind === "revert" ? html`, revert of <a href="${ctx.root}runs/${run.reverts}">#${run.reverts}</a>` : ""}${run.dry_run ? " (dry run)" : ""}</small></h1>
${section("summary")}
<h2>Throughput</h2>
${section("chart")}
<h2>Participants</h2>
${section("participants")}
<h2>Chunks</h2>
${section("chunks")}
<h2>Failures</h2>
${section("failures")}
<h2>Inputs</h2>
${inputs(view)}`,
    `${ctx.root}runs/${run.id}/events`,
  );
}

function summary(ctx: PageContext, view: RunView): Html {
  const { run, progress: p } = view;
  const last = view.controls.at(-1);
  const done = { pause: "paused", resume: "resumed", cancel: "cancelled" }[String(last?.action)] ?? String(last?.action);
  const control = last ? html`<p class="control" id="last-control">${done} by ${last.by} ${when(last.at)}${last.reason ? html`: “${last.reason}”` : ""}</p>` : "";
  return html`<div class="summary">
<p>${badge(view.badge)} started ${when(run.started_at)}${run.finished_at ? html`, finished ${when(run.finished_at)}` : ""}${run.host ? html` on ${run.host}` : ""}</p>
${control}
${view.holds.map((h) => html`<p class="hold">held on ${h.label}: ${h.reason}${h.forSeconds !== null ? html` (for ${duration(h.forSeconds)})` : ""}</p>`)}
<progress id="progress" max="${Math.max(1, p.chunksTotal)}" value="${p.chunksDone}"></progress>
<dl class="numbers">
<div><dt>rows done</dt><dd id="rows-done">${count(p.rowsDone)}</dd></div>
<div><dt>rows in all</dt><dd id="rows-total">${p.rowsTotal === null ? "—" : `≈ ${count(p.rowsTotal)}`}</dd></div>
<div><dt>chunks</dt><dd id="chunks-done">${count(p.chunksDone)} / ${count(p.chunksTotal)}</dd></div>
<div><dt>rows/s</dt><dd id="rows-per-second">${count(p.rowsPerSecond)}</dd></div>
<div><dt>ETA</dt><dd id="eta">${p.etaSeconds === null ? "—" : duration(p.etaSeconds)}</dd></div>
<div><dt>changed</dt><dd id="rows-changed">${count(p.changed)}</dd></div>
${p.inserted ? html`<div><dt>inserted</dt><dd>${count(p.inserted)}</dd></div>` : ""}
</dl>
${run.error ? html`<p class="error-text run-error">${String(run.error)}</p>` : ""}
${revertStatus(ctx, view)}
${actions(ctx, view)}
${view.controls.length ? html`<details class="controls"><summary>${view.controls.length} control request(s)</summary><ul>${view.controls.map(
    (c) => html`<li>${c.action} by ${c.by} ${when(c.at)}${c.reason ? html`: “${c.reason}”` : ""}</li>`,
  )}</ul></details>` : ""}
</div>`;
}

function revertStatus(ctx: PageContext, view: RunView): Html | string {
  if (!view.revert) return "";
  const { undo, revertedBy, latest } = view.revert;
  const images = { kept: "before-images kept: it can be reverted", none: "no before-images: it cannot be reverted", used: "reverted (its before-images used)", pruned: "before-images pruned" }[undo] ?? undo;
  return html`<p class="revert">Revert: ${images}${
    latest
      ? html`; last revert <a href="${ctx.root}runs/${latest.id}">#${latest.id}</a> ${String(latest.status)} (${count(Number(latest.rows_changed))} restored, ${count(Number(latest.rows_skipped))} skipped)`
      : ""
  }${revertedBy && !latest ? html`; reverted by run #${revertedBy}` : ""}</p>`;
}

const WHAT_HAPPENS: Record<Action, string> = {
  pause: "Every host stops claiming chunks at its next chunk boundary (chunks in flight commit); the hosts stay up, holding, until it is resumed.",
  resume: "The hosts lift the hold and go on claiming chunks.",
  cancel: "The run ends as cancelled on every host (saved chunks stay saved and can be reverted); run --pending will run the script again.",
  revert: "A revert run starts here and writes back the before-images of every chunk this run saved (rows changed since are skipped).",
};

function actions(ctx: PageContext, view: RunView): Html | string {
  if (ctx.readOnly || !view.actions.length) return "";
  const { run } = view;
  return html`<div class="actions">${view.actions.map(
    (a) => html`<button type="button" class="action action-${a}" data-action="${a}" data-url="${ctx.root}runs/${run.id}/${a}"
 data-confirm="${`${a[0].toUpperCase()}${a.slice(1)} ${run.script} run #${run.id}? ${WHAT_HAPPENS[a]}`}">${a[0].toUpperCase()}${a.slice(1)}</button>`,
  )}</div>`;
}

function participants(view: RunView): Html {
  if (!view.participants.length) return html`<p class="empty">No participant yet.</p>`;
  return html`<table class="participants"><thead><tr><th>Host</th><th>Workers</th><th>State</th><th>Heartbeat</th><th>Rows/s</th><th>Chunks</th><th>Rows</th><th>Held</th></tr></thead>
<tbody>${view.participants.map(
    (p) => html`<tr data-participant="${p.id}"><td>${p.label}</td><td class="num">${p.workers}</td><td>${badge(p.state)}${p.evicted ? " (evicted)" : ""}</td>
<td>${duration(p.heartbeatAgeSeconds)} ago</td><td class="num">${count(p.rowsPerSecond)}</td><td class="num">${count(p.chunks)}</td><td class="num">${count(p.rows)}</td>
<td>${p.hold ? html`${p.hold}${p.heldForSeconds !== null ? ` (${duration(p.heldForSeconds)})` : ""}` : "—"}</td></tr>`,
  )}</tbody></table>`;
}

const MAX_CELLS = 2_000;
const SEVERITY = ["failed", "held", "claimed", "pending", "saved", "done"];

/** Every chunk a cell, coloured by state; past MAX_CELLS chunks each cell stands for a run of them and shows the least advanced. */
function chunkMap(view: RunView): Html {
  const cells = view.chunks;
  const per = Math.max(1, Math.ceil(cells.length / MAX_CELLS));
  const shown: { label: string; state: string }[] = [];
  for (let i = 0; i < cells.length; i += per) {
    const group = cells.slice(i, i + per);
    const state = SEVERITY.find((s) => group.some((c) => c.state === s)) ?? group[0].state;
    shown.push({ label: per === 1 ? cellLabel(group[0]) : `chunks ${group[0].no}–${group[group.length - 1].no}: ${state}`, state });
  }
  return html`<p class="legend-line">${SEVERITY.slice().reverse().map(
    (s) => html`<span class="legend"><i class="c c-${s}"></i> ${s} <b data-count="${s}">${view.chunkCounts[s] ?? 0}</b></span>`,
  )}${per > 1 ? html` <span class="note">(one cell = ${per} chunks)</span>` : ""}</p>
<div class="chunk-map" data-chunks="${cells.length}">${shown.map((c) => html`<i class="c c-${c.state}" title="${c.label}"></i>`)}</div>`;
}

function cellLabel(c: ChunkCell): string {
  return `chunk ${c.no}: ${c.state}${c.rows ? `, ${c.rows} rows` : ""}${c.attempts > 1 ? `, ${c.attempts} attempts` : ""}`;
}

function failures(view: RunView): Html {
  if (!view.failures.length) return html`<p class="empty">No failures.</p>`;
  return html`<table class="failures"><thead><tr><th>Chunk</th><th>Row key</th><th>Message</th></tr></thead><tbody>${view.failures.map((f) => {
    const key = f.rowKey !== null && f.rowKey !== undefined ? JSON.stringify(f.rowKey) : rowKeyIn(f.message);
    const first = f.message.split("\n")[0];
    return html`<tr class="failure"><td class="num">${f.chunk}</td><td class="row-key">${key ?? "—"}</td><td><details><summary>${first}${f.attempts ? ` (${f.attempts} attempt${f.attempts > 1 ? "s" : ""})` : ""}</summary><pre>${f.message}${
      f.input !== null && f.input !== undefined ? `\ninput: ${JSON.stringify(f.input)}` : ""
    }</pre>${f.stack ? html`<details class="stack"><summary>stack trace</summary><pre class="stack-trace">${f.stack}</pre></details>` : ""}</details></td></tr>`;
  })}</tbody></table>`;
}

/** The row a chunk's message names ("mutate threw on User row 42 (chunk 3): …"). */
function rowKeyIn(message: string): string | undefined {
  return / row (\S+?)(?: \(chunk|:)/.exec(message)?.[1];
}

function inputs(view: RunView): Html {
  const params = view.params ? Object.entries(view.params) : [];
  return html`<dl class="inputs">
<div><dt>Parameters</dt><dd>${params.length ? html`<table class="params">${params.map(([k, v]) => html`<tr><th>${k}</th><td><code>${v}</code></td></tr>`)}</table>` : "none"}</dd></div>
<div><dt>Input file</dt><dd>${view.input ? html`${view.input.name} <code class="checksum">sha256 ${view.input.checksum}</code>` : "none"}</dd></div>
${view.run.dry_run ? html`<div><dt>Dry-run samples</dt><dd>${samples(view)}</dd></div>` : ""}
</dl>`;
}

/** What a dry run would have changed, row by row: the column, its value before → after (as the summary prints them). */
function samples(view: RunView): Html | string {
  if (!view.samples) return "none kept (a dry run keeps its first samples once it finishes)";
  return html`<table class="samples"><thead><tr><th>row</th><th>column</th><th>before</th><th>after</th></tr></thead><tbody>${view.samples.map((sample) =>
    sample.removed
      ? html`<tr><td>${sample.key}</td><td colspan="3">would be ${sample.removed}</td></tr>`
      : sample.changes.map((c, i) => html`<tr>${i ? "" : html`<td rowspan="${String(sample.changes.length)}">${sample.key}</td>`}<td>${c.column}</td><td><code>${c.before}</code></td><td><code>${c.after}</code></td></tr>`),
  )}</tbody></table>`;
}
