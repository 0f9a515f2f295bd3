// Grades a self-check in the page, with the same rules as the online course
// (course/grading.py): weights in percent of a question's points, partial credit
// for match and order, typed text compared after folding case, spaces and quotes.
// The key's feedback, explanations and bands are HTML made at publish time by
// course/inline.py (which escapes all but its own markup); they are the only markup
// inserted here. Anything the reader typed goes through escapeHtml.
(function () {
  "use strict";
  var LOOKALIKE = {A: "А", B: "В", E: "Е", K: "К", M: "М", H: "Н", O: "О", P: "Р", C: "С",
    T: "Т", X: "Х", Y: "У", a: "а", e: "е", o: "о", p: "р", c: "с", x: "х", y: "у", k: "к"};
  var WRAPPING = "\"'„“”«»‘’`";

  function normalise(value) {
    value = value.normalize("NFC").replace(/[A-Za-z]/g, function (ch) {
      return LOOKALIKE[ch] || ch;
    }).toLowerCase().replace(/\s+/g, " ").trim();
    while (value && WRAPPING.indexOf(value[0]) >= 0) value = value.slice(1);
    while (value && WRAPPING.indexOf(value[value.length - 1]) >= 0) value = value.slice(0, -1);
    return value.trim().replace(/[.!]+$/, "").trim();
  }

  function number(value) {
    var text = value.trim().replace(/\u2212/g, "-").replace(/[\s\u00a0\u202f]/g, "");
    if ((text.match(/,/g) || []).length === 1 && text.indexOf(".") < 0) text = text.replace(",", ".");
    return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text) ? parseFloat(text) : null;
  }

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }

  function best(list) {
    return list.reduce(function (a, b) { return !a || b.weight > a.weight ? b : a; }, null);
  }

  var GRADERS = {
    "single": function (key, box) {
      var chosen = box.querySelector("input:checked");
      if (!chosen) return null;
      var choice = key.choices[+chosen.value];
      return [choice.weight / 100, choice.feedback];
    },
    "multiple": function (key, box) {
      var chosen = box.querySelectorAll("input:checked");
      if (!chosen.length) return null;
      var sum = 0, notes = [];
      chosen.forEach(function (input) {
        var choice = key.choices[+input.value];
        sum += choice.weight;
        if (choice.feedback) notes.push(choice.feedback);
      });
      return [sum / 100, notes.join(" ")];
    },
    "true-false": function (key, box) {
      var chosen = box.querySelector("input:checked");
      if (!chosen) return null;
      var value = chosen.value === "true";
      return [value === key.answer ? 1 : 0, value ? key.feedback_true : key.feedback_false];
    },
    "text": function (key, box) {
      var typed = box.querySelector("input").value;
      if (!typed.trim()) return null;
      var hit = best(key.text.filter(function (a) { return a.text === normalise(typed); }));
      return hit ? [hit.weight / 100, hit.feedback] : [0, key.feedback_other];
    },
    "number": function (key, box) {
      var typed = box.querySelector("input").value;
      if (!typed.trim()) return null;
      var value = number(typed);
      if (value === null) return [0, "„" + escapeHtml(typed) + "“ не е число."];
      var hit = best(key.number.filter(function (a) {
        return a.low - 1e-9 <= value && value <= a.high + 1e-9;
      }));
      return hit ? [hit.weight / 100, hit.feedback] : [0, key.feedback_other];
    },
    "match": function (key, box) { return positions(box, key.pairs); },
    "order": function (key, box) { return positions(box, key.items); }
  };

  // Match: select i must hold option i; order: place i must hold item i.
  function positions(box, count) {
    var selects = box.querySelectorAll("select"), right = 0, answered = false;
    selects.forEach(function (select, i) {
      if (select.value !== "") answered = true;
      if (select.value === String(i)) right += 1;
    });
    return answered ? [right / count, ""] : null;
  }

  function grade(form, key) {
    var score = 0, points = 0;
    form.querySelectorAll(".question").forEach(function (box) {
      var q = key.questions[+box.dataset.index];
      var outcome = GRADERS[q.type](q, box);
      var fraction = outcome ? Math.max(0, Math.min(1, outcome[0])) : 0;
      var result = box.querySelector(".result");
      var state = !outcome ? "wrong" : fraction >= 1 - 1e-9 ? "correct" : fraction > 0 ? "partial" : "wrong";
      var label = !outcome ? "Без отговор." : {correct: "Вярно.", partial: "Отчасти вярно.", wrong: "Невярно."}[state];
      result.className = "result " + state;
      result.innerHTML = [label, outcome ? outcome[1] : "", q.explanation].filter(Boolean).join(" ");
      score += fraction * q.points;
      points += q.points;
    });
    var percent = points ? Math.round(1000 * score / points) / 10 : 0;
    var band = key.bands.slice().sort(function (a, b) { return b.min - a.min; })
      .find(function (b) { return percent >= b.min; });
    form.querySelector(".total").innerHTML = "Резултат: " + percent + "%" + (band ? ". " + band.text : "");
    // A SCORM package's scorm.js reports the result to the LMS; offline nobody listens.
    form.dispatchEvent(new CustomEvent("dobro:graded", {detail: {percent: percent}}));
  }

  document.querySelectorAll(".selfcheck-form").forEach(function (form) {
    var key = JSON.parse(document.getElementById("key-" + form.dataset.quiz).textContent);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      grade(form, key);
    });
  });
})();
