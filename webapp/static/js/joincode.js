// Join and reset links carry the code after "#" (/join#code=…): a browser never sends that
// part to the server, so the code lands in no access log. Put it into the form's code field.
// Without scripts the form still works: the code is typed from the card.
(function () {
  "use strict";
  var field = document.getElementById("code");
  var match = /^#code=([^&]*)/.exec(window.location.hash);
  if (!field || !match) { return; }
  var code;
  try {
    code = decodeURIComponent(match[1]);
  } catch (error) {
    return;  // a mangled link: the field stays empty for the code to be typed
  }
  if (!field.value) {
    field.value = code.trim().slice(0, 40);
  }
  // Out of the address bar and the history, where the next user of the computer would see it.
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  // The page may not have applied its autofocus yet (it does so at a later rendering step):
  // focusing the next field now also cancels it, so the code field never takes focus back.
  var active = document.activeElement;
  if (!active || active === document.body || active === field) {
    var next = field.form && field.form.querySelector("input:not([type=hidden]):not(#code)");
    if (next) { next.focus(); }
  }
})();
