// Profset's own small script: live deliveries over server-sent events (the browser never polls).
"use strict";
(function () {
  function live(box) {
    var source = new EventSource(box.dataset.events);
    source.addEventListener("deliveries", function (e) {
      var data = JSON.parse(e.data);
      box.innerHTML = data.html;
      box.dataset.updates = String(Number(box.dataset.updates || "0") + 1);
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-events]").forEach(live);
  });
})();
