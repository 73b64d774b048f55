import { html, type Html } from "../html";

/** Where the page is, relative to the dashboard's root: every link and asset is relative, so any mount prefix works. */
export interface PageContext {
  /** "./" on the root page, "../" one level down: prefix of every link. */
  root: string;
  readOnly: boolean;
  /** Sent back with each action (a header no cross-site form can set). */
  actionKey: string;
}

export function layout(ctx: PageContext, title: string, body: Html, live?: string): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="data-script-key" content="${ctx.actionKey}">
<title>${title} · data-script</title>
<link rel="stylesheet" href="${ctx.root}assets/app.css">
<script src="${ctx.root}assets/app.js" defer></script>
</head>
<body${live ? html` data-events="${live}"` : ""}>
<header><a class="brand" href="${ctx.root}">data-script</a>${ctx.readOnly ? html`<span class="read-only">read-only</span>` : ""}<span class="live-state" id="live-state"></span></header>
<main>
${body}
</main>
<dialog id="confirm">
<form method="dialog">
<p id="confirm-text"></p>
<label>Reason (optional) <input id="confirm-reason" name="reason" maxlength="500"></label>
<menu><button value="cancel" id="confirm-no">Keep it as it is</button><button value="ok" id="confirm-yes" class="danger">Confirm</button></menu>
</form>
</dialog>
<div id="toast" role="status"></div>
</body>
</html>
`;
}

export function badge(status: string): Html {
  return html`<span class="badge badge-${status}">${status}</span>`;
}
