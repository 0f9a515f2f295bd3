// Web authoring: check and preview the source as the trainer types, and jump to a problem's
// line. Everything here is a convenience: without it "Check and preview" does the same by a
// full-page POST, and the server checks every save again.
(function () {
  "use strict";

  var DELAY = 700;
  var form = document.querySelector(".authoring-form");
  if (!form) {
    return;
  }
  var source = form.elements.text;
  var status = form.querySelector(".authoring-status");
  var problems = document.getElementById("authoring-problems");
  var preview = document.getElementById("authoring-preview");
  var original = source.value;
  var timer = null;
  var sent = 0;

  function say(text) {
    status.textContent = text;
  }

  // --- Live check and preview ------------------------------------------------------------

  function check() {
    timer = null;
    var number = ++sent;
    say(form.getAttribute("data-checking"));
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": form.elements.csrf_token.value
      },
      body: JSON.stringify({ text: source.value })
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
      return (json ? response.json() : Promise.resolve({})).then(function (data) {
        if (number !== sent) {
          return; // an answer to an older text: a newer check is on its way
        }
        if (response.ok && typeof data.problems === "string") {
          problems.innerHTML = data.problems;
          preview.innerHTML = data.preview;
          var summary = problems.querySelector(".authoring-summary");
          say(summary ? summary.textContent.trim() : "");
        } else if (response.status === 400 && !json) {
          say(form.getAttribute("data-expired"));
        } else {
          say(data.error || form.getAttribute("data-failed"));
        }
      });
    }).catch(function () {
      if (number === sent) {
        say(form.getAttribute("data-failed"));
      }
    });
  }

  source.addEventListener("input", function () {
    if (timer) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(check, DELAY);
  });

  // --- Jump to a problem's line ----------------------------------------------------------

  function offsetOf(line, col) {
    var text = source.value;
    var offset = 0;
    for (var i = 1; i < line; i++) {
      var next = text.indexOf("\n", offset);
      if (next === -1) {
        return text.length;
      }
      offset = next + 1;
    }
    var end = text.indexOf("\n", offset);
    end = end === -1 ? text.length : end;
    return Math.min(offset + Math.max(col - 1, 0), end);
  }

  function lineEnd(offset) {
    var end = source.value.indexOf("\n", offset);
    return end === -1 ? source.value.length : end;
  }

  // How far down the textarea an offset is: the text before it, laid out the same way.
  function topOf(offset) {
    var style = window.getComputedStyle(source);
    var mirror = document.createElement("div");
    ["fontFamily", "fontSize", "fontWeight", "lineHeight", "letterSpacing", "tabSize",
      "paddingTop", "paddingLeft", "paddingRight", "borderLeftWidth", "borderRightWidth",
      "boxSizing"].forEach(function (name) {
      mirror.style[name] = style[name];
    });
    mirror.style.position = "absolute";
    mirror.style.visibility = "hidden";
    mirror.style.whiteSpace = "pre-wrap";
    mirror.style.overflowWrap = "break-word";
    mirror.style.width = source.clientWidth + "px";
    mirror.textContent = source.value.slice(0, offset) + "\u200b";
    document.body.appendChild(mirror);
    var top = mirror.scrollHeight;
    document.body.removeChild(mirror);
    return top;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".problem-link") : null;
    if (!link) {
      return;
    }
    event.preventDefault();
    var start = offsetOf(parseInt(link.getAttribute("data-line"), 10) || 1,
      parseInt(link.getAttribute("data-col"), 10) || 1);
    source.focus();
    source.setSelectionRange(start, Math.max(lineEnd(start), start));
    source.scrollTop = Math.max(topOf(start) - source.clientHeight / 3, 0);
    source.scrollIntoView({ block: "nearest" });
  });

  // --- Never lose typing -----------------------------------------------------------------

  var submitting = false;
  var placed = false; // the trainer has put the cursor in the text: an image goes there
  source.addEventListener("focus", function () {
    placed = true;
  });
  form.addEventListener("submit", function () {
    submitting = true;
    if (placed && form.elements.cursor) {
      // The server counts characters, the textarea UTF-16 units: count as the server does.
      form.elements.cursor.value = String(
        Array.from(source.value.slice(0, source.selectionStart)).length);
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (!submitting && source.value !== original) {
      event.preventDefault();
      event.returnValue = form.getAttribute("data-unsaved");
    }
  });
})();
