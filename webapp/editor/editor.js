// The source editor of web authoring: CodeMirror 6 in place of the plain textarea.
//
// Bundled by esbuild into webapp/static/vendor/editor.js (`make editor`) and served by Dobro
// itself: no CDN, the site works on a closed network. This file only builds the editor and
// offers a small API (window.DobroEditor); webapp/static/js/authoring.js drives it — checks,
// problems, preview, toolbar — and works on the plain textarea when this script is missing.
//
// The textarea stays the form's field: every change is copied into it, so a submit, the
// "unsaved changes" guard and the tests read the same value with or without the editor.

import { EditorSelection, EditorState } from "@codemirror/state";
import {
  EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter,
  highlightSpecialChars, keymap, lineNumbers
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { HighlightStyle, bracketMatching, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { markdown } from "@codemirror/lang-markdown";
import { yaml } from "@codemirror/lang-yaml";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { highlightSelectionMatches, openSearchPanel, search, searchKeymap } from "@codemirror/search";
import { tags } from "@lezer/highlight";

// Colours with at least 4.5:1 contrast on white (WCAG 2.1 AA); meaning never by colour alone.
const dobroHighlight = HighlightStyle.define([
  { tag: tags.heading, fontWeight: "bold", color: "#123a63" },
  { tag: tags.strong, fontWeight: "bold" },
  { tag: tags.emphasis, fontStyle: "italic" },
  { tag: [tags.link, tags.url], color: "#0b57a4" },
  { tag: [tags.monospace, tags.literal], color: "#7a3e00" },
  { tag: [tags.processingInstruction, tags.contentSeparator, tags.list, tags.quote], color: "#5c2d91" },
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: "#0b57a4", fontWeight: "bold" },
  { tag: [tags.string, tags.special(tags.string)], color: "#1e6b35" },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: "#8a1c7c" },
  { tag: [tags.comment, tags.meta], color: "#4a5562", fontStyle: "italic" },
  { tag: tags.invalid, color: "#b3261e", textDecoration: "underline" }
]);

const theme = EditorView.theme({
  "&": { fontSize: "0.9rem", border: "1px solid #6b7785", borderRadius: "0.25rem", background: "#fff" },
  "&.cm-focused": { outline: "3px solid #ffdd00", outlineOffset: "0" },
  ".cm-scroller": { fontFamily: "var(--mono)", lineHeight: "1.5" },
  ".cm-content": { padding: "0.4rem 0" },
  ".cm-gutters": { background: "#f4f6f9", color: "#4a5562", borderRight: "1px solid #c3ccd6" },
  ".cm-activeLine": { background: "#f3f7fc" },
  ".cm-activeLineGutter": { background: "#e3ebf5", color: "#1b1f24" },
  ".cm-selectionBackground, &.cm-focused .cm-selectionBackground, ::selection": { background: "#c9dcf2" },
  // The gutter's markers drawn in CSS (CodeMirror's own are data: images, which the
  // Content-Security-Policy refuses): a round error, a triangular warning — shape, not colour.
  ".cm-lint-marker": { width: "0.8em", height: "0.8em", marginTop: "0.3em" },
  ".cm-lint-marker-error": { content: "none", background: "#b3261e", borderRadius: "50%" },
  ".cm-lint-marker-warning": {
    content: "none", background: "#8a5a00", clipPath: "polygon(50% 0, 100% 100%, 0 100%)"
  },
  ".cm-lintRange-error": { textDecoration: "underline wavy #b3261e", backgroundImage: "none" },
  ".cm-lintRange-warning": { textDecoration: "underline wavy #8a5a00", backgroundImage: "none" },
  ".cm-tooltip": { fontFamily: "var(--font)", maxWidth: "min(40rem, 90vw)" },
  ".cm-diagnostic": { whiteSpace: "pre-wrap" },
  ".cm-panels": { fontFamily: "var(--font)" }
});

// Characters the server counts (code points) to UTF-16 offsets, which CodeMirror counts.
function utf16Offset(text, chars) {
  let offset = 0;
  for (const ch of text) {
    if (chars-- <= 0) {
      break;
    }
    offset += ch.length;
  }
  return offset;
}

/**
 * Replace ``textarea`` with an editor. ``options``: language ("markdown" | "yaml"), label
 * (the id of the field's label), describedBy (ids of its help), nonce (for the editor's
 * styles under the Content-Security-Policy), keys (extra key bindings), onChange(text),
 * onCursor(line). Returns the API authoring.js uses.
 */
function attach(textarea, options) {
  const listeners = EditorView.updateListener.of((update) => {
    if (update.docChanged) {
      textarea.value = update.state.doc.toString();
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
    if ((update.selectionSet || update.docChanged) && options.onCursor) {
      options.onCursor(update.state.doc.lineAt(update.state.selection.main.head).number);
    }
  });
  const contentAttributes = {
    "aria-labelledby": options.label,
    "aria-multiline": "true",
    // Focusable as it always is, said explicitly: checkers (axe) then see that the scrolling
    // area holds a keyboard stop.
    tabindex: "0",
    spellcheck: "false",
    autocapitalize: "off",
    autocorrect: "off"
  };
  if (options.describedBy) {
    contentAttributes["aria-describedby"] = options.describedBy;
  }
  const extensions = [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    drawSelection(),
    indentOnInput(),
    bracketMatching(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    search({ top: true }),
    lintGutter(),
    syntaxHighlighting(dobroHighlight),
    EditorView.lineWrapping,
    EditorState.tabSize.of(2),
    // Tab is not taken: it moves the focus on, as in any form (WCAG 2.1.2, no keyboard trap).
    keymap.of([...(options.keys || []), ...defaultKeymap, ...historyKeymap, ...searchKeymap]),
    options.language === "yaml" ? yaml() : markdown({ completeHTMLTags: false }),
    EditorView.contentAttributes.of(contentAttributes),
    EditorView.editorAttributes.of({ class: "authoring-code" }),  // sized by dobro.css
    theme,
    listeners
  ];
  if (options.phrases) {
    extensions.push(EditorState.phrases.of(options.phrases));
  }
  if (options.nonce) {
    extensions.push(EditorView.cspNonce.of(options.nonce));
  }
  const view = new EditorView({
    state: EditorState.create({ doc: textarea.value, extensions }),
    parent: textarea.parentNode
  });
  textarea.parentNode.insertBefore(view.dom, textarea.nextSibling);
  textarea.hidden = true;

  const api = {
    view,
    text: () => view.state.doc.toString(),
    focus: () => view.focus(),
    /** The cursor as the server counts it: characters (code points) from the start. */
    cursor: () => Array.from(view.state.doc.sliceString(0, view.state.selection.main.head)).length,
    lineCount: () => view.state.doc.lines,
    /** Select from (line, col) to the end of that line and bring it into view. */
    goTo(line, col) {
      const doc = view.state.doc;
      const target = doc.line(Math.min(Math.max(line, 1), doc.lines));
      const from = target.from + Math.min(utf16Offset(target.text, Math.max(col - 1, 0)), target.length);
      view.dispatch({
        selection: EditorSelection.range(from, target.to),
        effects: EditorView.scrollIntoView(from, { y: "center" })
      });
      view.focus();
    },
    /** Problems beside their lines: [{line, col, severity, message, code}]. */
    setProblems(items) {
      const doc = view.state.doc;
      const diagnostics = items.map((item) => {
        const line = doc.line(Math.min(Math.max(item.line || 1, 1), doc.lines));
        const from = line.from + Math.min(utf16Offset(line.text, Math.max((item.col || 1) - 1, 0)), line.length);
        const to = from < line.to ? line.to : from;
        return {
          from, to,
          severity: item.severity === "error" ? "error" : "warning",
          message: item.message + (item.code ? " [" + item.code + "]" : "")
        };
      });
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    /** Replace the selection (or insert at the cursor) with a function of the selected text. */
    wrap(before, after, placeholder) {
      view.dispatch(view.state.changeByRange((range) => {
        const selected = view.state.sliceDoc(range.from, range.to) || placeholder || "";
        const insert = before + selected + after;
        return {
          changes: { from: range.from, to: range.to, insert },
          range: EditorSelection.range(range.from + before.length,
            range.from + before.length + selected.length)
        };
      }));
      view.focus();
    },
    /** Put ``prefix`` at the start of every selected line (toggling it off if all have it). */
    prefixLines(prefix, numbered) {
      const state = view.state;
      const lines = [];
      for (const range of state.selection.ranges) {
        for (let n = state.doc.lineAt(range.from).number; n <= state.doc.lineAt(range.to).number; n++) {
          if (!lines.includes(n)) {
            lines.push(n);
          }
        }
      }
      const pattern = numbered ? /^\d+\.\s/ : new RegExp("^" + prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
      const all = lines.every((n) => pattern.test(state.doc.line(n).text));
      const changes = lines.map((n, i) => {
        const line = state.doc.line(n);
        if (all) {
          return { from: line.from, to: line.from + line.text.match(pattern)[0].length, insert: "" };
        }
        const stripped = line.text.match(/^(#{1,6}\s|[-*+]\s|\d+\.\s)/);
        return {
          from: line.from, to: line.from + (stripped ? stripped[0].length : 0),
          insert: numbered ? (i + 1) + ". " : prefix
        };
      });
      view.dispatch({ changes });
      view.focus();
    },
    /** Insert a block on lines of its own at the cursor; select ``select`` inside it if given. */
    insertBlock(block, select) {
      const state = view.state;
      const range = state.selection.main;
      const line = state.doc.lineAt(range.from);
      const atStart = range.from === line.from && line.text.trim() === "";
      const before = atStart ? "" : (range.from === line.from ? "" : "\n") + "\n";
      const insert = before + block + "\n";
      const at = atStart ? line.from : range.to;
      const start = at + before.length;
      const found = select ? block.indexOf(select) : -1;
      view.dispatch({
        changes: { from: at, to: atStart ? line.from : range.to, insert },
        selection: found >= 0 ? EditorSelection.range(start + found, start + found + select.length)
          : EditorSelection.cursor(start + block.length),
        scrollIntoView: true
      });
      view.focus();
    },
    /** Append ``text`` at the end of the document (a footnote's definition). */
    append(text, select) {
      const doc = view.state.doc;
      const lead = doc.length === 0 || doc.sliceString(doc.length - 1) === "\n" ? "" : "\n";
      const insert = lead + "\n" + text + "\n";
      const found = select ? text.indexOf(select) : -1;
      const start = doc.length + lead.length + 1;
      view.dispatch({
        changes: { from: doc.length, insert },
        selection: found >= 0 ? EditorSelection.range(start + found, start + found + select.length)
          : EditorSelection.cursor(start + text.length),
        scrollIntoView: true
      });
      view.focus();
    },
    /** Put ``text`` in place of the selection, the cursor after it. */
    replaceSelection(text) {
      view.dispatch(view.state.replaceSelection(text));
      view.focus();
    },
    /** Open the find-and-replace panel. */
    search: () => openSearchPanel(view),
    selected: () => view.state.sliceDoc(view.state.selection.main.from, view.state.selection.main.to),
    /** Remove the editor; the textarea (with the current text) takes its place again. */
    destroy() {
      textarea.value = view.state.doc.toString();
      view.destroy();
      textarea.hidden = false;
      if (window.DobroEditor.current === api) {
        window.DobroEditor.current = null;
      }
    }
  };
  window.DobroEditor.current = api;
  return api;
}

// ``current``: the editor on the page, if any (for scripts and browser tests).
window.DobroEditor = { attach, current: null };
