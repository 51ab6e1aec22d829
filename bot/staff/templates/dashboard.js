/* The staff dashboard refreshes itself (issue 19). No inline script: the CSP
   allows scripts from 'self' only. Every few seconds the page asks
   <prefix>/api/stand for the counts and versions; when the list or this
   request changed, it fetches itself again and swaps the regions named in
   <body data-regions> (the list, or the status and the timeline), so forms
   being typed in are left alone. The tab title shows "(n) " for new requests
   plus unread messages of residents. */
(function () {
  "use strict";
  var body = document.body;
  var standUrl = body.getAttribute("data-stand-url");
  if (!standUrl || !window.fetch || !window.DOMParser) { return; }
  var every = Math.max(2, parseInt(body.getAttribute("data-refresh-seconds"), 10) || 5) * 1000;
  var regions = (body.getAttribute("data-regions") || "").split(/\s+/).filter(Boolean);
  var known = body.getAttribute("data-version");
  var watch = body.getAttribute("data-watch");  // "list" or "request"
  var baseTitle = document.title.replace(/^\(\d+\)\s*/, "");

  function setTitle(count) {
    document.title = (count > 0 ? "(" + count + ") " : "") + baseTitle;
  }

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    regions.forEach(function (id) {
      var now = document.getElementById(id);
      var next = fresh.getElementById(id);
      if (now && next) { now.parentNode.replaceChild(document.importNode(next, true), now); }
    });
    return fresh.body.getAttribute("data-version");
  }

  function schedule(soon) { window.setTimeout(poll, soon ? 0 : every); }

  function poll() {
    fetch(standUrl, { credentials: "same-origin", cache: "no-store",
                      headers: { "Accept": "application/json" } })
      .then(function (reply) {
        if (reply.status === 401) { window.location.reload(); return null; }
        return reply.ok ? reply.json() : null;
      })
      .then(function (stand) {
        if (!stand) { return false; }
        setTitle(stand.count);
        var version = (watch === "request" ? stand.request : stand.list) || "";
        if (version === known) { return false; }
        // not the person's activity: the session's idle timeout keeps counting
        return fetch(window.location.href, { credentials: "same-origin", cache: "no-store",
                                             headers: { "X-Ontmoet-Refresh": "1" } })
          .then(function (page) { return page.ok ? page.text() : null; })
          .then(function (html) {
            if (!html) { known = version; return false; }  // e.g. gone from view: stop asking
            // the fetched page is the newest (opening it also marked it read):
            // its version, and the counts asked again at once
            known = swap(html);
            return true;
          });
      })
      .catch(function () { return false; /* offline for a moment: next round */ })
      .then(schedule);
  }

  schedule();
}());
