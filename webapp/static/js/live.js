// dobro serve --reload: reload the page when the course is rebuilt (or a build fails).
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script.getAttribute("data-status-url");
  var shown = script.getAttribute("data-version");
  function check() {
    fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (status && String(status.version) !== shown) {
          window.location.reload();
        }
      })
      .catch(function () { /* the server is restarting; try again on the next tick */ });
  }
  window.setInterval(check, 2000);
})();
