// dobro serve --reload: reload the page as soon as the server reports a new build.
// The server pushes each build over server-sent events; the browser reconnects by
// itself after a restart (the token names the server process, so a restart reloads too).
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script.getAttribute("data-events-url");
  var shown = script.getAttribute("data-version");
  var source = null;

  function onBuild(event) {
    var state = JSON.parse(event.data);
    if (state.token !== shown) {
      source.close();
      window.location.reload();
    }
  }

  // Only visible pages listen: a browser opens few connections per server, and hidden
  // tabs holding them would stall the visible ones. A page shown again hears the current
  // build first, and so reloads if it missed one.
  function listen() {
    if (document.hidden) {
      if (source) {
        source.close();
        source = null;
      }
    } else if (!source) {
      source = new EventSource(url);
      source.addEventListener("build", onBuild);
    }
  }

  if (window.EventSource) {
    document.addEventListener("visibilitychange", listen);
    listen();
  }
})();
