"""The source editor as a trainer uses it: CodeMirror (webapp/editor/editor.js) in place of the
textarea, which stays the form's field. These helpers type, paste and read the selection the
way a person does — keyboard and clipboard-like input into the editor."""

from __future__ import annotations

from typing import Any

EDITOR = ".authoring-code .cm-content"


def focus_source(page: Any) -> None:
    """Put the keyboard focus in the editor (the cursor where it last was)."""
    page.locator(EDITOR).focus()
    page.wait_for_function("window.DobroEditor.current && window.DobroEditor.current.view.hasFocus")


def type_at_end(page: Any, text: str) -> None:
    focus_source(page)
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def set_source(page: Any, text: str) -> None:
    """Select everything and put ``text`` in its place, as a paste does."""
    focus_source(page)
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)
    page.wait_for_function("t => document.getElementById('text').value === t", arg=text)


def source_text(page: Any) -> str:
    return str(page.locator("#text").input_value())


def source_selection(page: Any) -> tuple[bool, int, str]:
    """Whether the editor has the focus, the line its selection starts on, the selected text."""
    found = page.evaluate("""() => { const v = window.DobroEditor.current.view;
        const r = v.state.selection.main;
        return [v.hasFocus, v.state.doc.lineAt(r.from).number,
                v.state.sliceDoc(r.from, r.to)]; }""")
    return bool(found[0]), int(found[1]), str(found[2])


def put_cursor_before(page: Any, needle: str) -> None:
    """Click-equivalent: the cursor just before ``needle``, the editor focused."""
    page.evaluate("""n => { const v = window.DobroEditor.current.view;
        const at = v.state.doc.toString().indexOf(n);
        v.dispatch({selection: {anchor: at}, scrollIntoView: true}); v.focus(); }""", needle)
