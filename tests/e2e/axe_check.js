// Loaded into every browser context of the browser tests, after vendor/axe.min.js (see conftest.py).
// Runs axe-core once each page of the app has loaded and again once an htmx swap has settled, and
// hands the serious and critical violations to the test through the __tandemAxeReport binding.
"use strict";

(function () {
  // The app's frames hold PDFs; the page's own run checks the frame element (its title).
  if (window.top !== window) { return; }

  var FAILING_IMPACTS = ["serious", "critical"];
  // A burst of swaps (a key held down, a poll) is checked once, when it has been quiet this long.
  var SETTLE_MS = 150;
  var timer = null;
  var previous = Promise.resolve();

  function isAppPage() {
    return typeof window.axe !== "undefined" && document.contentType === "text/html" &&
      (location.protocol === "http:" || location.protocol === "https:");
  }

  // The page as last checked, and what axe said: a poll that swaps in the same markup is not checked again.
  var lastMarkup = null;
  var lastResult = null;

  function run() {
    if (!isAppPage()) { return Promise.resolve(null); }
    var markup = document.documentElement.outerHTML;
    if (markup === lastMarkup) { return Promise.resolve({ url: location.href, violations: lastResult.violations }); }
    // iframes: false, or axe waits a minute for an answer from the PDF viewer in a frame.
    return window.axe.run(document, { resultTypes: ["violations"], iframes: false }).then(function (results) {
      lastMarkup = markup;
      lastResult = {
        url: location.href,
        violations: results.violations.filter(function (violation) {
          return FAILING_IMPACTS.indexOf(violation.impact) !== -1;
        }).map(function (violation) {
          return {
            id: violation.id,
            impact: violation.impact,
            help: violation.help,
            helpUrl: violation.helpUrl,
            targets: violation.nodes.map(function (node) { return node.target.join(" "); }),
          };
        }),
      };
      return lastResult;
    });
  }

  // axe refuses to start while it is running, so each check waits for the one before it.
  function check() {
    var next = previous.then(run, run);
    previous = next.catch(function () { return null; });
    return next;
  }

  function checkAndReport() {
    check().then(function (result) {
      if (result && typeof window.__tandemAxeReport === "function") { return window.__tandemAxeReport(result); }
    }).catch(function () {
      // The page went away mid-check: its successor gets its own.
    });
  }

  function checkWhenSettled() {
    clearTimeout(timer);
    timer = setTimeout(checkAndReport, SETTLE_MS);
  }

  Object.defineProperty(window, "__tandemAxeCheck", { value: check });
  window.addEventListener("load", checkAndReport);
  document.addEventListener("htmx:afterSettle", checkWhenSettled);
})();
