/** The dashboard's stylesheet, served as assets/app.css. */
export const STYLES = `
:root { --fg: #1d2330; --muted: #667085; --line: #e3e6ec; --bg: #f7f8fa; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
body { margin: 0; background: var(--bg); }
header { display: flex; gap: 12px; align-items: center; padding: 10px 24px; background: #1d2330; color: #fff; }
header a.brand { color: #fff; font-weight: 600; text-decoration: none; }
.read-only { background: #667085; padding: 2px 8px; border-radius: 10px; font-size: 12px; }
.live-state { margin-left: auto; font-size: 12px; color: #b8c0cc; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; }
h1 small { color: var(--muted); font-weight: 400; font-size: 60%; }
h2 { font-size: 16px; margin: 28px 0 8px; }
.crumbs { color: var(--muted); font-size: 13px; }
a { color: #2f5fbf; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); font-size: 14px; vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #e3e6ec; }
.badge-running, .badge-active { background: #d6e6ff; color: #1d4fa8; }
.badge-completed, .badge-finished { background: #d3f2e0; color: #186b3d; }
.badge-failed, .badge-dead, .badge-evicted { background: #fbdada; color: #9b1c1c; }
.badge-held, .badge-paused { background: #fdf0c8; color: #7a5a00; }
.badge-cancelled, .badge-interrupted, .badge-left { background: #ececec; color: #555; }
.badge-reverted { background: #eadcf7; color: #5b2b8a; }
.flag { font-size: 11px; color: #7a5a00; background: #fdf0c8; border-radius: 4px; padding: 0 4px; }
progress { width: 100%; height: 18px; }
.numbers { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 10px 0; }
.numbers div { min-width: 90px; }
.numbers dt { font-size: 12px; color: var(--muted); }
.numbers dd { margin: 0; font-size: 20px; font-variant-numeric: tabular-nums; }
.hold { background: #fdf0c8; padding: 6px 10px; border-radius: 4px; }
.control { color: #7a5a00; }
.error-text { color: #9b1c1c; white-space: pre-wrap; }
.actions { display: flex; gap: 8px; margin: 12px 0; }
button { font: inherit; padding: 6px 16px; border-radius: 6px; border: 1px solid #b8c0cc; background: #fff; cursor: pointer; }
button.action-cancel, button.danger { border-color: #c0392b; color: #c0392b; }
button.action-pause { border-color: #b38600; color: #7a5a00; }
button.action-resume { border-color: #2fa36b; color: #186b3d; }
.chart { margin: 0; background: #fff; border: 1px solid var(--line); padding: 8px; }
.chart svg.throughput { width: 100%; height: auto; }
figcaption { font-size: 12px; color: var(--muted); }
.legend { margin-right: 12px; white-space: nowrap; font-size: 12px; }
.chunk-map { display: flex; flex-wrap: wrap; gap: 2px; background: #fff; border: 1px solid var(--line); padding: 8px; }
i.c { display: inline-block; width: 10px; height: 10px; border-radius: 2px; background: #d9dde4; }
i.c-claimed { background: #f0b429; }
i.c-saved { background: #7fb3f5; }
i.c-done { background: #2f6fdf; }
i.c-failed { background: #d9534f; }
i.c-held { background: #b5479e; }
.note { color: var(--muted); font-size: 12px; }
details pre { white-space: pre-wrap; background: #f0f2f5; padding: 8px; font-size: 12px; }
details.stack > summary { font-size: 12px; color: #555; }
.inputs dt { font-weight: 600; margin-top: 8px; }
.inputs dd { margin: 4px 0 0; }
.checksum { font-size: 12px; }
.empty { color: var(--muted); }
dialog { border: 1px solid var(--line); border-radius: 8px; max-width: 520px; }
dialog menu { display: flex; justify-content: flex-end; gap: 8px; padding: 0; }
dialog input { width: 100%; margin-top: 4px; }
#toast { position: fixed; bottom: 16px; right: 16px; background: #1d2330; color: #fff; padding: 8px 14px; border-radius: 6px; opacity: 0; transition: opacity .2s; }
#toast.shown { opacity: 1; }
#toast.bad { background: #9b1c1c; }
`;
