"""The web app's layout: filters and globals registered in one module, views apart."""

from __future__ import annotations

import ast
from pathlib import Path

from flask import Flask

from tests.conftest import REPO

VIEWS = REPO / "webapp" / "views"


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_view_imports_another_view() -> None:
    for path in sorted(VIEWS.glob("*.py")):
        others = {name for name in imports_of(path) if name.startswith("webapp.views.")}
        assert not others, f"{path.name} imports {sorted(others)}"


def test_no_view_registers_app_wide_filters_or_globals() -> None:
    for path in sorted(VIEWS.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "app_template_" not in text and "add_template_" not in text, path.name


def test_the_app_has_every_filter_and_global_templates_use(app: Flask) -> None:
    filters, names = app.jinja_env.filters, app.jinja_env.globals
    assert {"organisation_kind", "role_name", "audience_title"} <= set(filters)
    assert {"certificate_status", "certificate_action", "quiz_kind", "course_link"} <= set(names)
    with app.test_request_context("/"):
        assert filters["organisation_kind"]("unknown-kind") == "unknown-kind"
        assert app.jinja_env.from_string(
            "{{ quiz_kind('final') }}|{{ certificate_status('valid') }}|{{ 'admin'|role_name }}"
        ).render() == "Заключителен тест|валиден|Администратор"


def test_every_form_lives_in_the_forms_package() -> None:
    """Forms are grouped in webapp/forms/; what several share is defined once, in fields.py."""
    stray = [p.name for p in (REPO / "webapp").glob("*.py") if p.stem.endswith("forms")]
    assert not stray
    shared = ("def squeeze", "def optional_int", "def one_of_the_choices",
              "class CheckboxesField", "MAX_NAME =", "TOO_LONG =")
    for path in sorted((REPO / "webapp" / "forms").glob("*.py")):
        if path.name != "fields.py":
            text = path.read_text(encoding="utf-8")
            assert not [s for s in shared if s in text], path.name
