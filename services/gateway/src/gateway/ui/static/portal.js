// The member portal's one script: on the new-appeal page, show what the union has for the situation picked.
"use strict";
(function () {
  function show(select) {
    document.querySelectorAll("[data-situation]").forEach(function (block) {
      block.hidden = block.dataset.situation !== select.value;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("situation_id");
    if (!select || !document.querySelector("[data-situation]")) { return; }
    select.addEventListener("change", function () { show(select); });
    show(select);
  });
})();
