// Profset's own small script: live deliveries over server-sent events (the browser never polls).
"use strict";
(function () {
  // A screen reader hears the summary line ("reached 3 of 5, 1 acknowledged") when it changes, not the whole table:
  // the live region is made once, outside the box whose content is replaced.
  function announcer(box) {
    var said = document.createElement("p");
    said.className = "sr";
    said.setAttribute("aria-live", "polite");
    box.parentNode.insertBefore(said, box);
    return function () {
      var summary = box.querySelector(".progress");
      if (summary) { said.textContent = summary.textContent.replace(/\s+/g, " ").trim(); }
    };
  }
  function live(box) {
    var source = new EventSource(box.dataset.events);
    var announce = announcer(box);
    // the connection is up: it replaces the box only when the deliveries shown have changed since the page was made
    source.addEventListener("open", function () { box.dataset.connected = "1"; });
    source.addEventListener("deliveries", function (e) {
      var data = JSON.parse(e.data);
      box.innerHTML = data.html;
      scrollable(box);
      announce();
      box.dataset.updates = String(Number(box.dataset.updates || "0") + 1);
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }
  // A table wider than the screen scrolls inside its box; a keyboard reaches that box only if it takes focus,
  // and a screen reader names it by the table's caption or the heading above it (axe scrollable-region-focusable).
  function heading(box) {
    var caption = box.querySelector("caption");
    if (caption) { return caption.textContent.trim(); }
    for (var el = box; el; el = el.previousElementSibling || el.parentElement) {
      if (/^H[1-6]$/.test(el.tagName)) { return el.textContent.trim(); }
    }
    return document.title;
  }
  function scrollable(root) {
    root.querySelectorAll(".scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) {
        box.tabIndex = 0;
        box.setAttribute("role", "group");  // not a region: a landmark named like its section would be a second one
        box.setAttribute("aria-label", heading(box));
      } else if (box.getAttribute("role") === "group") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-events]").forEach(live);
    scrollable(document);
    window.addEventListener("resize", function () { scrollable(document); });
  });
})();
