// The reading pane: a passage selected in the study's text opens the coding panel with its offsets; a
// highlight clicked opens its excerpt. Offsets count characters of the text as stored (the page's
// data-start plus the characters before the point on that page), so the server can check the quote.
"use strict";

function tandemLocalOffset(pageText, node, offset) {
  var range = document.createRange();
  range.selectNodeContents(pageText);
  range.setEnd(node, offset);
  return range.toString().length;
}

function tandemSelectionOffsets(container) {
  var selection = window.getSelection();
  if (!selection || !selection.rangeCount || selection.isCollapsed) { return null; }
  // A double click past the end of a line selects only its line break: nothing to code, so no panel.
  if (!selection.toString().trim()) { return null; }
  var range = selection.getRangeAt(0);
  var start = null, end = null, page = null;
  container.querySelectorAll(".page-text").forEach(function (pageText) {
    if (!range.intersectsNode(pageText)) { return; }
    var base = Number(pageText.dataset.start);
    var length = pageText.textContent.length;
    var from = pageText.contains(range.startContainer) ? tandemLocalOffset(pageText, range.startContainer, range.startOffset) : 0;
    var to = pageText.contains(range.endContainer) ? tandemLocalOffset(pageText, range.endContainer, range.endOffset) : length;
    if (start === null) { start = base + from; page = pageText.dataset.page; }
    end = base + to;
  });
  if (start === null || end <= start) { return null; }
  return { start: start, end: end, page: page };
}

function tandemWorkspace() { return document.getElementById("workspace"); }

function tandemOpenPanel(url) {
  if (!window.htmx) { window.location.href = url; return; }
  window.htmx.ajax("GET", url, { target: "#coding-panel", swap: "outerHTML" }).then(function () {
    var panel = document.getElementById("coding-panel");
    if (panel) {
      panel.focus({ preventScroll: true });
      if (window.matchMedia("(max-width: 60rem)").matches) { panel.scrollIntoView({ block: "start" }); }
    }
  });
}

function tandemCodeSelection(chosen) {
  var workspace = tandemWorkspace();
  var text = document.getElementById("study-text");
  if (!workspace || !text || !workspace.hasAttribute("data-may-code")) { return false; }
  var offsets = chosen || tandemSelectionOffsets(text);
  if (!offsets) { return false; }
  var url = workspace.dataset.newUrl + "?start=" + offsets.start + "&end=" + offsets.end +
    "&page=" + offsets.page + "&by=" + encodeURIComponent(workspace.dataset.highlightBy || "valence");
  tandemOpenPanel(url);
  return true;
}

document.addEventListener("mouseup", function (event) {
  if (!event.target.closest || !event.target.closest("#study-text")) { return; }
  // After the browser has settled the selection (a double click selects a word on mouseup).
  window.setTimeout(function () {
    if (tandemCodeSelection()) { return; }
    var mark = event.target.closest("mark.excerpt");
    var workspace = tandemWorkspace();
    if (mark && workspace) {
      tandemOpenPanel(workspace.dataset.excerptUrl.replace(/\/0\/$/, "/" + mark.dataset.excerpt + "/") +
        "?by=" + encodeURIComponent(workspace.dataset.highlightBy || "valence"));
    }
  }, 0);
});

// A touch screen sends no mouseup when a long press selects text and its handles are dragged, so a
// button offers to code the selection while there is one. The offsets are kept as the selection changes:
// the tap on the button may clear the selection before the click arrives.
var tandemTouchSelection = null;
document.addEventListener("selectionchange", function () {
  var button = document.getElementById("code-selection");
  var text = document.getElementById("study-text");
  if (!button || !text || !window.matchMedia("(pointer: coarse)").matches) { return; }
  var offsets = tandemSelectionOffsets(text);
  if (offsets) { tandemTouchSelection = offsets; }
  button.hidden = !offsets && !button.matches(":focus");
});
document.addEventListener("click", function (event) {
  if (!event.target.closest || !event.target.closest("#code-selection")) { return; }
  var offsets = tandemSelectionOffsets(document.getElementById("study-text")) || tandemTouchSelection;
  if (offsets && tandemCodeSelection(offsets)) {
    tandemTouchSelection = null;
    event.target.closest("#code-selection").hidden = true;
  }
});

// Keys on the reading pane: c codes the selected passage, t types a quote in. Never while typing.
document.addEventListener("keydown", function (event) {
  if (!tandemWorkspace() || event.ctrlKey || event.metaKey || event.altKey) { return; }
  if (event.target.matches("input, textarea, select, [contenteditable]")) { return; }
  var key = event.key.toLowerCase();
  if (key === "c" && tandemCodeSelection()) { event.preventDefault(); return; }
  if (key === "t") {
    var link = document.querySelector("#coding-panel [data-key='t']");
    if (link) { event.preventDefault(); link.click(); }
  }
});

// A refused save says why at the top of the panel, well above the button that was pressed: bring the
// message into view. htmx:load, not afterSwap: an outerHTML swap reports afterSwap on the panel it removed.
document.addEventListener("htmx:load", function (event) {
  var error = event.target.querySelector && event.target.querySelector("#panel-error");
  if (error) { error.scrollIntoView({ block: "nearest" }); }
});
