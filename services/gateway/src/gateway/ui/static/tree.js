// The org tree's levels open and close in place. Each control is a link to the tree's own address with that level
// opened or closed (which works without this script); here that address is fetched, its tree replaces this one, the
// address bar follows, and the keyboard's focus stays on the same org's control. Any failure navigates as usual.
"use strict";
(function () {
  if (!window.fetch || !window.DOMParser || !window.history.pushState) { return; }
  function swap(href, orgId) {
    return fetch(href, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (reply) {
      if (!reply.ok || reply.redirected) { throw new Error("the tree answered " + reply.status); }
      return reply.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("ul.tree");
      var tree = document.querySelector("ul.tree");
      if (!fresh || !tree) { throw new Error("no tree in the answer"); }
      tree.replaceWith(document.adoptNode(fresh));
      var control = orgId && fresh.querySelector('li[data-org="' + CSS.escape(orgId) + '"] > a.toggle');
      if (control) { control.focus(); }
    });
  }
  document.addEventListener("click", function (e) {
    var link = e.target.closest ? e.target.closest("ul.tree a.toggle") : null;
    if (!link || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) { return; }
    e.preventDefault();
    var org = link.closest("li[data-org]");
    swap(link.href, org ? org.dataset.org : null).then(function () {
      window.history.pushState({ tree: true }, "", link.href);
    }).catch(function () { window.location.href = link.href; });
  });
  window.addEventListener("popstate", function () {
    swap(window.location.href, null).catch(function () { window.location.reload(); });
  });
})();
