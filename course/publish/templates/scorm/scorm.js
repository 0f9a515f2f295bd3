// Reports one SCO of a Dobro SCORM 1.2 package to the LMS through the SCORM 1.2 API.
//
// data-kind="module": incomplete on start, completed once read to the end; the
// self-check's result (selfcheck.js, event "dobro:graded") as the score.
// data-kind="test": the final test; passed or failed against data-mastery (percent),
// graded once (its answers are then locked).
// The reading position is the last heading scrolled past: cmi.core.lesson_location and,
// with the answers given, cmi.suspend_data (at most 4096 characters); a relaunch scrolls
// back there. Opened without an LMS (a plain file) the page works and reports nothing.
(function () {
  "use strict";
  var script = document.currentScript;
  var kind = script.getAttribute("data-kind");
  var mastery = parseFloat(script.getAttribute("data-mastery") || "0");
  var SUSPEND_LIMIT = 4096;
  var started = Date.now();
  var form = document.querySelector(".selfcheck-form");
  var state = {l: "", r: 0, g: 0, a: []}; // location, read to the end, graded, answers
  var status = "";
  var finished = false;

  // The SCORM 1.2 RTE's search: this window and its parents, then the opener's.
  function findAPI(win) {
    for (var tries = 0; win && tries < 8; tries += 1) {
      try {
        if (win.API) return win.API;
      } catch (error) {
        return null; // a parent of another origin
      }
      if (!win.parent || win.parent === win) return null;
      win = win.parent;
    }
    return null;
  }

  function getAPI() {
    var api = findAPI(window);
    try {
      if (!api && window.opener) api = findAPI(window.opener);
    } catch (error) {
      api = null;
    }
    return api;
  }

  var api = getAPI();
  if (api && String(api.LMSInitialize("")) !== "true") api = null;

  function get(name) { return api ? String(api.LMSGetValue(name)) : ""; }
  function set(name, value) { if (api) api.LMSSetValue(name, String(value)); }
  function commit() { if (api) api.LMSCommit(""); }

  function pad(value, width) {
    var text = String(value);
    while (text.length < width) text = "0" + text;
    return text;
  }

  // CMITimespan: HHHH:MM:SS.SS
  function timespan(ms) {
    var hundredths = Math.round(ms / 10);
    var hours = Math.floor(hundredths / 360000);
    var minutes = Math.floor(hundredths / 6000) % 60;
    var seconds = (hundredths % 6000) / 100;
    return pad(Math.min(hours, 9999), 4) + ":" + pad(minutes, 2) + ":" + pad(seconds.toFixed(2), 5);
  }

  function fields() {
    if (!form) return [];
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name;
    });
  }

  function answers() {
    return fields().map(function (el) {
      if (el.type === "radio" || el.type === "checkbox") return el.checked ? 1 : 0;
      return el.value;
    });
  }

  function save() {
    state.a = answers();
    var data = JSON.stringify(state);
    if (data.length > SUSPEND_LIMIT) data = JSON.stringify({l: state.l, r: state.r, g: 0, a: []});
    set("cmi.suspend_data", data);
    set("cmi.core.lesson_location", state.l);
  }

  function setStatus(value) {
    if (status === value) return;
    status = value;
    set("cmi.core.lesson_status", value);
  }

  function done() {
    return status === "completed" || status === "passed" || status === "failed";
  }

  // Reading: the last heading scrolled to the top of the window, and the end of the page.
  var headings = Array.prototype.slice.call(
    document.querySelectorAll("main h2[id], main h3[id], main h4[id]"));

  function onScroll() {
    var line = Math.min(80, window.innerHeight / 3), place = "";
    headings.forEach(function (heading) {
      if (heading.getBoundingClientRect().top <= line) place = heading.id;
    });
    var scroller = document.scrollingElement || document.documentElement;
    var atEnd = window.innerHeight + window.pageYOffset >= scroller.scrollHeight - 40;
    if (place === state.l && (!atEnd || state.r)) return;
    state.l = place.slice(0, 255);
    if (atEnd) state.r = 1;
    if (state.r && kind === "module" && !done()) setStatus("completed");
    save();
  }

  function lock() {
    fields().forEach(function (el) { el.disabled = true; });
    form.querySelector("button[type=submit]").disabled = true;
  }

  function onGraded(event) {
    var percent = event.detail.percent;
    state.g = 1;
    set("cmi.core.score.min", 0);
    set("cmi.core.score.max", 100);
    set("cmi.core.score.raw", percent);
    if (kind === "test") {
      setStatus(percent >= mastery ? "passed" : "failed");
      var total = form.querySelector(".total");
      total.insertAdjacentText("beforeend", (/%$/.test(total.textContent) ? ". " : " ") +
        (percent >= mastery ? "Тестът е издържан" : "Тестът не е издържан") +
        " (нужни са поне " + mastery + "%).");
      lock();
    } else {
      state.r = 1;
      setStatus("completed");
    }
    save();
    commit();
  }

  function restore() {
    var saved = {};
    try {
      saved = JSON.parse(get("cmi.suspend_data") || "{}") || {};
    } catch (error) {
      saved = {};
    }
    state.l = saved.l || get("cmi.core.lesson_location");
    state.r = saved.r ? 1 : 0;
    var values = saved.a || [];
    fields().forEach(function (el, i) {
      if (i >= values.length) return;
      if (el.type === "radio" || el.type === "checkbox") el.checked = values[i] === 1;
      else el.value = values[i];
    });
    if (form && saved.g) form.requestSubmit();
    var target = state.l && document.getElementById(state.l);
    if (target) target.scrollIntoView();
  }

  function finish() {
    if (finished || !api) return;
    finished = true;
    save();
    set("cmi.core.session_time", timespan(Date.now() - started));
    set("cmi.core.exit", done() ? "" : "suspend");
    commit();
    api.LMSFinish("");
  }

  // Navigating away from a SCO ends its session: other files open in a new window.
  Array.prototype.forEach.call(document.querySelectorAll("a[href]"), function (link) {
    if (link.pathname !== window.location.pathname) {
      link.target = "_blank";
      link.rel = "noopener";
    }
  });

  if (form) form.addEventListener("dobro:graded", onGraded);
  if (!api) return;
  status = get("cmi.core.lesson_status");
  if (status === "" || status === "not attempted") setStatus("incomplete");
  restore();
  if (form) form.addEventListener("change", save);
  window.addEventListener("scroll", onScroll, {passive: true});
  window.addEventListener("load", function () {
    var target = state.l && document.getElementById(state.l);
    if (target) target.scrollIntoView();
  });
  window.addEventListener("pagehide", finish);
  window.addEventListener("unload", finish);
  commit();
})();
