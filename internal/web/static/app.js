// Lifeline web UI: the little that htmx does not do. No inline scripts (CSP script-src 'self').
(function () {
  "use strict";
  function flash() { return document.getElementById("flash"); }
  // A new request clears the previous error message.
  document.addEventListener("htmx:beforeRequest", function () {
    var f = flash();
    if (f) { f.replaceChildren(); }
  });
  // After htmx changed the address (live search, paging), the language switch returns there.
  document.addEventListener("htmx:pushedIntoHistory", function () {
    document.querySelectorAll("form[action='/lang'] input[name='next']").forEach(function (el) {
      el.value = location.pathname + location.search;
    });
  });
  // A button with data-print prints the page (the contact sheet has a print stylesheet).
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-print]");
    if (b) { e.preventDefault(); window.print(); }
  });
  // The notify form's people picker: a chip's button removes the person again, and
  // Enter in the search box searches instead of submitting the notify form.
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-chip-remove]");
    if (!b) { return; }
    e.preventDefault();
    var chip = b.closest(".chip");
    var search = document.querySelector("[data-picker-search]");
    if (chip) {
      var item = document.getElementById("pick-" + (chip.id || "").replace(/^chip-/, ""));
      chip.remove();
      if (item && window.htmx && search && search.value) { window.htmx.trigger(search, "search"); }
      else if (item) { item.remove(); }
    }
    if (search) { search.focus(); }
  });
  function pickerEnter(e) {
    var el = e.target;
    if (e.key !== "Enter" || !el.hasAttribute || !el.hasAttribute("data-picker-search")) { return false; }
    e.preventDefault();
    return true;
  }
  document.addEventListener("keydown", function (e) {
    if (pickerEnter(e) && window.htmx) { window.htmx.trigger(e.target, "search"); }
  });
  document.addEventListener("keypress", pickerEnter);
  // The server could not be reached: say so instead of doing nothing.
  document.addEventListener("htmx:sendError", function () {
    var f = flash();
    if (!f) { return; }
    var div = document.createElement("div");
    div.className = "alert alert-error";
    div.setAttribute("role", "alert");
    div.textContent = document.body.getAttribute("data-neterror") || "Network error";
    f.replaceChildren(div);
  });
  // A live notification board: the server pushes a "board" event whenever the counts
  // change, and each one refreshes the live part from the server (rendered there, in the
  // page's language). Without EventSource, or while the stream is down, the live part is
  // refreshed every 10 seconds; without JavaScript the page has a refresh link.
  function startBoard() {
    var el = document.getElementById("board-live");
    if (!el || el.hasAttribute("data-live") || !window.htmx) { return; }
    var state = document.getElementById("live-state");
    var timer = null, busy = false, again = false;
    function say(live) {
      el.setAttribute("data-live", live ? "sse" : "poll");
      if (state) { state.textContent = state.getAttribute(live ? "data-live-text" : "data-poll-text") || ""; }
    }
    function refresh() {
      if (busy) { again = true; return; }
      busy = true;
      var done = function () {
        busy = false;
        if (again) { again = false; refresh(); }
      };
      window.htmx.ajax("GET", el.getAttribute("data-refresh"), { target: el, swap: "innerHTML" }).then(done, done);
    }
    function poll() {
      say(false);
      if (!timer) { timer = setInterval(refresh, 10000); }
    }
    if (!window.EventSource) { poll(); return; }
    var es = new EventSource(el.getAttribute("data-events"));
    es.addEventListener("board", function () {
      if (timer) { clearInterval(timer); timer = null; }
      say(true);
      refresh();
    });
    es.addEventListener("error", function () { poll(); });
    window.addEventListener("pagehide", function () { es.close(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startBoard);
  } else {
    startBoard();
  }
})();
