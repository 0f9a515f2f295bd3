// "Copy the link" beside a read-only field (the credential page). Without scripts the
// button stays hidden and the field is selected and copied by hand.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var id = button.getAttribute("data-copy");
    var field = document.getElementById(id);
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (!field || !status) { return; }
    function say(text) { status.textContent = text; }
    function byHand() {
      field.focus();
      field.select();
      try {
        return document.execCommand("copy");
      } catch (error) {
        return false;
      }
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = button.getAttribute("data-done");
      var failed = button.getAttribute("data-failed");
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(
          function () { say(done); },
          function () { say(byHand() ? done : failed); });
      } else {
        say(byHand() ? done : failed);
      }
    });
    // A tap on the field selects the whole link, ready to copy.
    field.addEventListener("focus", function () { field.select(); });
  });
})();
