/**
 * The dashboard's one script, served as assets/app.js (no inline script: the CSP allows only
 * the dashboard's own files). Live updates: the page's `data-events` URL is a server-sent
 * event stream of re-rendered sections, swapped in place (open <details> stay open).
 * Actions: a button names its POST URL and its confirmation; the request carries the page's
 * action key in a header.
 */
export const CLIENT_SCRIPT = String.raw`"use strict";
(function () {
  var keyMeta = document.querySelector('meta[name="data-script-key"]');
  var actionKey = keyMeta ? keyMeta.getAttribute("content") : "";
  var liveState = document.getElementById("live-state");

  function swap(sections) {
    Object.keys(sections).forEach(function (name) {
      var el = document.querySelector('[data-section="' + name + '"]');
      if (!el) return;
      var open = [];
      el.querySelectorAll("details").forEach(function (d, i) { if (d.open) open.push(i); });
      el.innerHTML = sections[name];
      var all = el.querySelectorAll("details");
      open.forEach(function (i) { if (all[i]) all[i].open = true; });
    });
  }

  var eventsUrl = document.body.getAttribute("data-events");
  if (eventsUrl && window.EventSource) {
    var source = new EventSource(eventsUrl);
    source.addEventListener("update", function (event) {
      swap(JSON.parse(event.data).sections);
      if (liveState) liveState.textContent = "live";
      document.body.setAttribute("data-updated", String(Date.now()));
    });
    source.addEventListener("error", function () { if (liveState) liveState.textContent = "reconnecting…"; });
  }

  function toast(text, bad) {
    var el = document.getElementById("toast");
    if (!el) return;
    el.textContent = text;
    el.className = bad ? "shown bad" : "shown";
    setTimeout(function () { el.className = ""; }, 6000);
  }

  var dialog = document.getElementById("confirm");
  var pending = null;
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-action]");
    if (!button || !dialog) return;
    pending = button;
    document.getElementById("confirm-text").textContent = button.getAttribute("data-confirm");
    document.getElementById("confirm-reason").value = "";
    dialog.showModal();
  });
  if (dialog) dialog.addEventListener("close", function () {
    var button = pending;
    pending = null;
    if (!button || dialog.returnValue !== "ok") return;
    var reason = document.getElementById("confirm-reason").value;
    fetch(button.getAttribute("data-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-data-script-key": actionKey },
      body: JSON.stringify({ reason: reason || undefined }),
    })
      .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
      .then(function (r) { toast(r.body.message || (r.ok ? "done" : "refused"), !r.ok); })
      .catch(function (error) { toast(String(error), true); });
  });
})();
`;
