// Small page behaviours that need no framework. Loaded on every page, after htmx.
"use strict";

// Progress bars: width from data attributes (inline styles are refused by the Content Security Policy).
function tandemDrawBars(root) {
  root.querySelectorAll(".progress .bar[data-total]").forEach(function (bar) {
    var total = Number(bar.dataset.total), done = Number(bar.dataset.done);
    bar.style.width = total > 0 ? Math.min(100, (100 * done) / total) + "%" : "4%";
  });
}

// Forms that destroy something ask first.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.matches("form.confirm") && !window.confirm(form.dataset.confirm || "Are you sure?")) {
    event.preventDefault();
  }
});

document.addEventListener("DOMContentLoaded", function () { tandemDrawBars(document); });
document.addEventListener("htmx:afterSwap", function (event) { tandemDrawBars(event.target.parentNode || document); });

// A message tells of the last thing done (a full text uploaded, a record marked): once something else is done
// in place, it is stale. Only for posts: the Import page's progress polls in place too.
document.addEventListener("htmx:afterRequest", function (event) {
  var config = event.detail.requestConfig;
  if (event.detail.successful && config && config.verb === "post") {
    document.querySelectorAll("main > [role=status]").forEach(function (status) { status.remove(); });
  }
});

// Back and Forward change the address at once, but htmx then fetches that page (it keeps no history cache)
// and the panel of the record left stays until it arrives: a key pressed meanwhile would decide that record,
// not the one in the address bar. So the keys wait for the restore; a restore that fails reloads the page.
var tandemRestoring = false;
document.addEventListener("htmx:historyCacheMiss", function () { tandemRestoring = true; });
document.addEventListener("htmx:historyRestore", function () { tandemRestoring = false; });
document.addEventListener("htmx:historyCacheMissLoadError", function () { window.location.reload(); });

// Screening keys: i include, m maybe, e exclude, u undo, n note. Never while typing in a field. A list in
// the panel (the reason for excluding) keeps the focus once a reason is chosen; its keys are the arrows, so
// the screening keys go on working there rather than jumping to an option by its first letter.
document.addEventListener("keydown", function (event) {
  var panel = document.querySelector("[data-screening]");
  if (!panel || tandemRestoring || event.ctrlKey || event.metaKey || event.altKey) { return; }
  var target = event.target;
  var inPanelList = target.matches("select") && panel.contains(target);
  if (target.matches("input, textarea, select, [contenteditable]") && (!inPanelList || event.key === "Escape")) {
    if (event.key === "Escape") { target.blur(); }
    return;
  }
  var control = panel.querySelector('[data-key="' + event.key.toLowerCase() + '"]');
  if (!control) { return; }
  event.preventDefault();
  if (inPanelList) { target.blur(); }
  // A key pressed in the moment after a swap, before htmx has wired the new panel, must still go
  // through htmx rather than post the whole page.
  if (window.htmx) { window.htmx.process(panel); }
  if (control.matches("textarea, input")) { control.focus(); } else { control.click(); }
});

// Possible duplicates: s same study, d different studies, for the first pair not yet decided, which is
// outlined and scrolled into view as the one before it is decided.
function tandemCurrentPair() {
  document.querySelectorAll("section.pair.current").forEach(function (card) { card.classList.remove("current"); });
  var card = document.querySelector("[data-duplicates]") && document.querySelector("section.pair:not(.decided)");
  if (card) { card.classList.add("current"); }
  return card;
}

document.addEventListener("DOMContentLoaded", tandemCurrentPair);
// htmx:load, not afterSwap: an outerHTML swap reports afterSwap on the card it removed, outside the page.
document.addEventListener("htmx:load", function () {
  if (!document.querySelector("[data-duplicates]")) { return; }
  var before = document.querySelector("section.pair.current");
  var card = tandemCurrentPair();
  if (card && card !== before) { card.scrollIntoView({ block: "nearest" }); }
});

document.addEventListener("keydown", function (event) {
  if (!document.querySelector("[data-duplicates]") || event.ctrlKey || event.metaKey || event.altKey) { return; }
  if (event.target.matches("input, textarea, select, [contenteditable]")) { return; }
  var card = tandemCurrentPair();
  var button = card && card.querySelector('button[data-key="' + event.key.toLowerCase() + '"]');
  if (!button) { return; }
  event.preventDefault();
  if (window.htmx) { window.htmx.process(card); }
  button.click();
});

// Reconciliation: typing a consensus value chooses it.
document.addEventListener("input", function (event) {
  var box = event.target.closest("[data-consensus-for]");
  if (!box) { return; }
  var radio = box.closest("form").querySelector('input[type=radio][name="' + box.dataset.consensusFor + '"][value="consensus"]');
  if (radio) { radio.checked = true; }
});

// Copy buttons: data-copy names the element whose text goes to the clipboard; the button says it did.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button || !navigator.clipboard) { return; }
  var source = document.querySelector(button.dataset.copy);
  if (!source) { return; }
  navigator.clipboard.writeText(source.innerText.trim()).then(function () {
    var label = button.textContent;
    button.textContent = "Copied";
    window.setTimeout(function () { button.textContent = label; }, 1500);
  });
});

// "File X is being imported" comes down once that file is in (its progress row sends import-finished).
document.body && document.body.addEventListener("import-finished", function (event) {
  var batch = event.detail && event.detail.batch;
  if (!batch) { return; }
  document.querySelectorAll(".message.import-started.batch-" + batch).forEach(function (message) { message.remove(); });
});
