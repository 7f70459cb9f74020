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
})();
