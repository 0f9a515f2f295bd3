// Web authoring: check and preview the source as the trainer types, and jump to a problem's
// line. Everything here is a convenience: without it "Check and preview" does the same by a
// full-page POST, and the server checks every save again.
//
// With the editor bundle (vendor/editor.js, CodeMirror) the textarea gives way to an editor
// with line numbers, highlighting, a toolbar, problems beside their lines and a preview that
// follows the cursor; the textarea stays the form's field and holds the same text throughout.
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
  var code = null; // the editor's API while the editor is on the page
  var state = readState();
  var PLAIN_KEY = "dobro-plain-source-field";

  function say(text) {
    status.textContent = text;
  }

  function readJson(id, fallback) {
    var node = document.getElementById(id);
    try {
      return node ? JSON.parse(node.textContent) : fallback;
    } catch (error) {
      return fallback;
    }
  }

  function readState() {
    return readJson("authoring-state", { items: [], headings: [] });
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
          if (data.editor) {
            state = data.editor;
            if (code) {
              code.setProblems(state.items);
            }
          }
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
    if (code) {
      code.goTo(parseInt(link.getAttribute("data-line"), 10) || 1,
        parseInt(link.getAttribute("data-col"), 10) || 1);
      return;
    }
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
      form.elements.cursor.value = code ? String(code.cursor()) : String(
        Array.from(source.value.slice(0, source.selectionStart)).length);
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (!submitting && source.value !== original) {
      event.preventDefault();
      event.returnValue = form.getAttribute("data-unsaved");
    }
  });

  // --- The editor: line numbers, highlighting, toolbar, problems beside their lines ------

  var toolbar = document.querySelector(".authoring-toolbar");
  var label = document.getElementById("text-label");
  var followTimer = null;

  function attach() {
    code = window.DobroEditor.attach(source, {
      language: form.getAttribute("data-language"),
      label: label ? label.id : "",
      describedBy: source.getAttribute("aria-describedby") || "",
      nonce: form.getAttribute("data-style-nonce"),
      phrases: readJson("authoring-phrases", {}),
      keys: [
        { key: "Mod-b", run: function () { act("bold"); return true; } },
        { key: "Mod-i", run: function () { act("italic"); return true; } },
        { key: "Mod-k", run: function () { act("link"); return true; } }
      ],
      onCursor: function (line) {
        window.clearTimeout(followTimer);
        followTimer = window.setTimeout(function () { follow(line); }, 120);
      }
    });
    code.view.contentDOM.addEventListener("focus", function () {
      placed = true;
    });
    code.setProblems(state.items || []);
  }

  function setPlain(plain) {
    if (plain && code) {
      code.destroy();
      code = null;
    } else if (!plain && !code) {
      attach();
    }
    toolbar.querySelectorAll(".tool").forEach(function (button) {
      button.hidden = plain && !button.classList.contains("tool-plain");
    });
    var toggle = toolbar.querySelector(".tool-plain");
    toggle.setAttribute("aria-pressed", plain ? "true" : "false");
    try {
      window.localStorage.setItem(PLAIN_KEY, plain ? "1" : "");
    } catch (error) {
      // private browsing: the choice lasts for this page only
    }
  }

  // The label names the editor; a click on it goes to the editor, as to a field.
  if (label) {
    label.addEventListener("click", function (event) {
      if (code) {
        event.preventDefault();
        code.focus();
      }
    });
  }

  // --- The preview follows the cursor -----------------------------------------------------

  // Between two headings the preview is scrolled in proportion to the line: the section being
  // written stays in view. Only where the preview scrolls on its own (beside the text on a
  // wide screen); on a phone the page is never moved under the trainer's thumb.
  function follow(line) {
    var box = document.querySelector(".authoring-preview");
    var headings = state.headings || [];
    if (!code || !box || box.scrollHeight <= box.clientHeight + 1 ||
        window.getComputedStyle(box).overflowY === "visible") {
      return;
    }
    var before = null;
    var after = null;
    for (var i = 0; i < headings.length; i++) {
      if (headings[i][0] <= line) {
        before = headings[i];
      } else {
        after = headings[i];
        break;
      }
    }
    var top0 = before ? topIn(box, before[1]) : 0;
    var top1 = after ? topIn(box, after[1]) : box.scrollHeight;
    var line0 = before ? before[0] : 1;
    var line1 = after ? after[0] : code.lineCount() + 1;
    if (top0 === null || top1 === null) {
      return;
    }
    var y = top0 + (top1 - top0) * (line - line0) / Math.max(line1 - line0, 1);
    box.scrollTop = Math.max(y - box.clientHeight / 3, 0);
  }

  function topIn(box, anchor) {
    var target = preview.querySelector('[id="' + (window.CSS && CSS.escape ? CSS.escape(anchor) : anchor) + '"]');
    if (!target) {
      return null;
    }
    return target.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
  }

  // --- The toolbar ------------------------------------------------------------------------

  function act(action) {
    if (!code) {
      return;
    }
    var button = toolbar.querySelector('[data-action="' + action + '"]');
    switch (action) {
    case "h2":
      code.prefixLines("## ");
      break;
    case "h3":
      code.prefixLines("### ");
      break;
    case "bold":
      code.wrap("**", "**", "");
      break;
    case "italic":
      code.wrap("*", "*", "");
      break;
    case "bullets":
      code.prefixLines("- ");
      break;
    case "numbers":
      code.prefixLines("", true);
      break;
    case "table":
      code.insertBlock(button.getAttribute("data-template"), button.getAttribute("data-select"));
      break;
    case "footnote":
      footnote(button.getAttribute("data-placeholder"));
      break;
    case "search":
      code.search();
      break;
    case "callout":
    case "link":
    case "term":
      openDialog(action);
      break;
    }
  }

  // A footnote: the next free number at the cursor, its text at the end of the module.
  function footnote(placeholder) {
    var used = 0;
    code.text().replace(/\[\^(\d+)\]/g, function (_match, number) {
      used = Math.max(used, parseInt(number, 10));
      return "";
    });
    var mark = "[^" + (used + 1) + "]";
    code.wrap("", mark, "");
    code.append(mark + ": " + placeholder, placeholder);
  }

  // --- The dialogs: callout, link, glossary term ------------------------------------------

  var opener = null;

  function openDialog(name) {
    var dialog = document.getElementById("dialog-" + name);
    if (!dialog || !dialog.showModal) {
      return;
    }
    opener = document.activeElement;
    var selected = code.selected();
    var text = dialog.querySelector('input[id$="-text"]');
    if (text) {
      text.value = selected.split("\n")[0];
    }
    dialog.querySelectorAll(".field-errors").forEach(function (error) {
      error.hidden = true;
    });
    dialog.showModal();
  }

  function closeDialog(dialog) {
    dialog.close();
    if (code) {
      code.focus();
    } else if (opener) {
      opener.focus();
    }
  }

  function insertFrom(dialog) {
    var name = dialog.id.replace("dialog-", "");
    if (name === "callout") {
      var kind = document.getElementById("callout-kind").value;
      var title = document.getElementById("callout-title").value.trim();
      var body = code.selected() || "…";
      code.insertBlock("::: " + kind + (title ? " " + title : "") + "\n" + body + "\n:::", body);
      return true;
    }
    var select = document.getElementById(name + "-target");
    var url = name === "link" ? document.getElementById("link-url").value.trim() : "";
    var href = url || select.value;
    if (!href || (url && !/^https:\/\/\S+$/.test(url))) {
      document.getElementById("link-error").hidden = false;
      return false;
    }
    var chosen = select.options[select.selectedIndex];
    var words = document.getElementById(name + "-text").value.trim() ||
      (url || (chosen ? chosen.textContent.split(" → ").pop() : href));
    code.replaceSelection("[" + words.replace(/[[\]]/g, "") + "](" + href + ")");
    return true;
  }

  document.querySelectorAll(".authoring-dialog").forEach(function (dialog) {
    dialog.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("[data-dialog]") : null;
      if (!button) {
        return;
      }
      if (button.getAttribute("data-dialog") === "cancel" || insertFrom(dialog)) {
        closeDialog(dialog);
      }
    });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.tagName === "INPUT") {
        event.preventDefault();
        if (insertFrom(dialog)) {
          closeDialog(dialog);
        }
      }
    });
    dialog.addEventListener("cancel", function () {
      window.setTimeout(function () {
        if (code) {
          code.focus();
        }
      }, 0);
    });
  });

  // A toolbar is one stop in the tab order; the arrow keys move between its buttons.
  function rove(buttons, index) {
    buttons.forEach(function (button, i) {
      button.tabIndex = i === index ? 0 : -1;
    });
    buttons[index].focus();
  }

  if (toolbar && window.DobroEditor) {
    toolbar.hidden = false;
    var plain = false;
    try {
      plain = window.localStorage.getItem(PLAIN_KEY) === "1";
    } catch (error) {
      plain = false;
    }
    if (!plain) {
      attach();
    }
    setPlain(plain);
    var buttons = function () {
      return Array.prototype.filter.call(toolbar.querySelectorAll("button"), function (b) {
        return !b.hidden;
      });
    };
    buttons().forEach(function (button, i) {
      button.tabIndex = i === 0 ? 0 : -1;
    });
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("button") : null;
      if (!button) {
        return;
      }
      var action = button.getAttribute("data-action");
      if (action === "plain") {
        setPlain(!!code);
        var shown = buttons();
        shown.forEach(function (b) {
          b.tabIndex = b === button ? 0 : -1;
        });
        button.focus();
      } else {
        act(action);
      }
    });
    toolbar.addEventListener("keydown", function (event) {
      var shown = buttons();
      var index = shown.indexOf(document.activeElement);
      if (index === -1) {
        return;
      }
      var next = { ArrowRight: index + 1, ArrowDown: index + 1, ArrowLeft: index - 1, ArrowUp: index - 1,
        Home: 0, End: shown.length - 1 }[event.key];
      if (next === undefined) {
        return;
      }
      event.preventDefault();
      rove(shown, (next + shown.length) % shown.length);
    });
  }
})();
