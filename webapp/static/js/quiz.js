// Quiz pages: save answers as the learner goes, count the time down, keep order places unique.
// Everything here is a convenience: without it the page's buttons save, and the server
// enforces every rule (the time limit too).
(function () {
  "use strict";

  var DELAY = 1000;
  var form = document.querySelector(".quiz-form");
  var status = document.querySelector(".quiz-saved");

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  // --- Autosave -------------------------------------------------------------------------

  // Only the questions changed since the last save are sent: another tab's answers to the
  // other questions of this page stay as they are.
  var dirty = {};

  function answers() {
    var result = { shown: Object.keys(dirty) };
    new FormData(form).forEach(function (value, name) {
      var parts = name.split(".");
      if (parts[0] !== "a" || !dirty[parts[1]]) {
        return;
      }
      if (Object.prototype.hasOwnProperty.call(result, name)) {
        result[name] = [].concat(result[name], value);
      } else {
        result[name] = value;
      }
    });
    return result;
  }

  var timer = null;
  var pending = false;
  var closed = false;

  function save() {
    timer = null;
    if (!pending || closed) {
      return;
    }
    pending = false;
    var body = JSON.stringify({ answers: answers() });
    var sent = dirty;
    dirty = {};
    function retryLater() {
      Object.keys(sent).forEach(function (id) { dirty[id] = true; });
      pending = true;
    }
    say(status.getAttribute("data-saving"));
    fetch(form.getAttribute("data-autosave-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": form.elements.csrf_token.value
      },
      body: body
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
      return (json ? response.json() : Promise.resolve({})).then(function (data) {
        if (response.ok && typeof data.saved === "number") {
          say(status.getAttribute("data-saved"));
        } else if (response.status === 409 && data.review) {
          closed = true;
          say(data.error);
          window.setTimeout(function () { window.location.assign(data.review); }, 2500);
        } else {
          retryLater();
          say(data.error || status.getAttribute("data-failed"));
        }
      });
    }).catch(function () {
      retryLater();
      say(status.getAttribute("data-failed"));
    });
  }

  function changed(target) {
    var fieldset = target.closest(".question");
    var shown = fieldset && fieldset.querySelector("input[name=shown]");
    if (!shown) {
      return;
    }
    dirty[shown.value] = true;
    pending = true;
    if (timer) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(save, DELAY);
  }

  // --- Which questions have an answer (the question map and the count) ----------------

  function answered(fieldset) {
    var controls = fieldset.querySelectorAll("input, select");
    for (var i = 0; i < controls.length; i += 1) {
      var control = controls[i];
      if (control.type === "hidden") {
        continue;
      }
      if ((control.type === "radio" || control.type === "checkbox") ? control.checked
          : control.value.trim() !== "") {
        return true;
      }
    }
    return false;
  }

  function refreshMap(fieldset) {
    var number = fieldset.getAttribute("data-number");
    var item = document.querySelector('.map-item[data-number="' + number + '"]');
    if (!item) {
      return;
    }
    var done = answered(fieldset);
    item.classList.toggle("is-answered", done);
    var mark = item.querySelector(".map-mark");
    var words = item.querySelector(".map-state");
    mark.hidden = !done;
    words.textContent = words.getAttribute(done ? "data-yes" : "data-no");
    var count = document.querySelector("[data-answered]");
    if (count) {
      count.textContent = document.querySelectorAll(".map-item.is-answered").length;
    }
  }

  // --- Order questions: choosing a place taken by another item swaps the two -------------

  function swapPlaces(select) {
    var previous = select.getAttribute("data-previous") || "";
    var group = select.closest(".order-items");
    if (select.value !== "" && group) {
      group.querySelectorAll("select").forEach(function (other) {
        if (other !== select && other.value === select.value) {
          other.value = previous;
          other.setAttribute("data-previous", previous);
        }
      });
    }
    select.setAttribute("data-previous", select.value);
  }

  if (form && status) {
    form.querySelectorAll(".order-items select").forEach(function (select) {
      select.setAttribute("data-previous", select.value);
    });
    form.addEventListener("change", function (event) {
      if (event.target.matches(".order-items select")) {
        swapPlaces(event.target);
      }
      var fieldset = event.target.closest(".question");
      if (fieldset) {
        refreshMap(fieldset);
      }
      changed(event.target);
    });
    form.addEventListener("input", function (event) {
      if (event.target.matches("input[type=text]")) {
        refreshMap(event.target.closest(".question"));
        changed(event.target);
      }
    });
    form.addEventListener("submit", function () {
      // The form carries every answer of the page itself.
      pending = false;
      if (timer) {
        window.clearTimeout(timer);
      }
    });
    window.addEventListener("pagehide", function () {
      if (pending && !closed && navigator.sendBeacon) {
        var data = new URLSearchParams();
        var fields = answers();
        Object.keys(fields).forEach(function (name) {
          [].concat(fields[name]).forEach(function (value) { data.append(name, value); });
        });
        data.append("csrf_token", form.elements.csrf_token.value);
        navigator.sendBeacon(form.getAttribute("data-autosave-url"), data);
        pending = false;
      }
    });
  }

  // --- Countdown ------------------------------------------------------------------------

  var clock = document.querySelector(".quiz-timer");
  if (!clock) {
    return;
  }
  var left = parseInt(clock.getAttribute("data-seconds-left"), 10);
  var ends = Date.now() + left * 1000;
  var shown = clock.querySelector("[data-countdown]");
  var alert = clock.querySelector("[data-timer-alert]");
  var warned = {};
  clock.hidden = false;

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function timeUp() {
    alert.textContent = alert.getAttribute("data-over");
    closed = true;
    var submitting = form || document.querySelector(".quiz-submit-form");
    if (submitting) {
      if (form) {
        form.setAttribute("action", form.getAttribute("data-submit-url"));
      }
      submitting.submit();
    }
  }

  function tick() {
    var seconds = Math.max(0, Math.round((ends - Date.now()) / 1000));
    var hours = Math.floor(seconds / 3600);
    var rest = two(Math.floor((seconds % 3600) / 60)) + ":" + two(seconds % 60);
    shown.textContent = hours ? hours + ":" + rest : rest;
    clock.classList.toggle("is-short", seconds <= 300);
    [[300, "data-five"], [60, "data-one"]].forEach(function (step) {
      if (seconds <= step[0] && seconds > 0 && left > step[0] && !warned[step[0]]) {
        warned[step[0]] = true;
        alert.textContent = alert.getAttribute(step[1]);
      }
    });
    if (seconds === 0) {
      window.clearInterval(interval);
      timeUp();
    }
  }

  var interval = window.setInterval(tick, 1000);
  tick();
})();
