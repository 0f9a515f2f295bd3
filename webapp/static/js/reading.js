// Tells the server, now and then, that the module page is being read and which
// section is in view, so that study time and the reading position are kept.
// Without this script the page still works: time counts from opening to
// "I have studied this module".
(function () {
  "use strict";
  var prose = document.querySelector(".prose[data-progress-url]");
  var token = document.querySelector('meta[name="csrf-token"]');
  if (!prose || !token || !window.fetch) { return; }
  var url = prose.getAttribute("data-progress-url");
  var headings = prose.querySelectorAll("h2[id], h3[id]");
  var interval = 30000;

  function position() {
    var current = "";
    for (var i = 0; i < headings.length; i++) {
      if (headings[i].getBoundingClientRect().top < window.innerHeight / 3) {
        current = headings[i].id;
      }
    }
    return current;
  }

  function report() {
    if (document.visibilityState !== "visible") { return; }
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token.content},
      body: JSON.stringify({position: position()})
    }).catch(function () { /* offline for a moment: the next report catches up */ });
  }

  window.setInterval(report, interval);
  document.addEventListener("visibilitychange", report);
})();
