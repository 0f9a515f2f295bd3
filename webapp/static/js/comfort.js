// Reading comfort on every page: the reader's text size and the phone menu.
//
// The text size (data-text-size on <html>, sized in dobro.css) is kept in this browser's
// localStorage, not in a cookie: module pages are served from a cache shared by all
// readers, so the server must not vary them per reader. The script is loaded in <head>,
// not deferred, so that the size is applied before the page is first drawn. Without
// scripts the size control stays hidden (the browser's zoom does the same) and the menu
// stays open.
(function () {
  "use strict";
  var KEY = "dobro-text-size";
  var SIZES = ["0", "1", "2"];
  var root = document.documentElement;

  function stored() {
    try {
      var value = window.localStorage.getItem(KEY);
      return SIZES.indexOf(value) >= 0 ? value : "0";
    } catch (error) {
      return "0";  // storage refused (private mode): the normal size
    }
  }

  function apply(size) {
    if (size === "0") {
      root.removeAttribute("data-text-size");
    } else {
      root.setAttribute("data-text-size", size);
    }
  }

  root.classList.add("js");
  apply(stored());

  function textSize() {
    var group = document.querySelector(".text-size");
    if (!group) { return; }
    var buttons = group.querySelectorAll("button[data-text-size]");
    function show(size) {
      for (var i = 0; i < buttons.length; i++) {
        var current = buttons[i].getAttribute("data-text-size") === size;
        buttons[i].setAttribute("aria-pressed", current ? "true" : "false");
      }
    }
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (event) {
        var size = event.currentTarget.getAttribute("data-text-size");
        apply(size);
        show(size);
        try {
          window.localStorage.setItem(KEY, size);
        } catch (error) { /* not kept: this page still shows it */ }
      });
    }
    show(stored());
    group.hidden = false;
  }

  function menu() {
    var toggle = document.querySelector(".menu-toggle");
    var panel = document.getElementById("site-menu");
    if (!toggle || !panel) { return; }
    function set(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      panel.classList.toggle("is-open", open);
    }
    toggle.addEventListener("click", function () {
      set(toggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        set(false);
        toggle.focus();
      }
    });
    toggle.hidden = false;
  }

  function ready() {
    textSize();
    menu();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
