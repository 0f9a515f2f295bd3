"""docs/gdpr.md keeps up with the models: every table is in its data map, and every
action of the access log in its list (issue 16 item 11)."""

from __future__ import annotations

from sqlmodel import SQLModel

import webapp.models  # noqa: F401  (the tables register themselves)
from tests.conftest import REPO
from webapp.services import audit

DOC = REPO / "docs" / "gdpr.md"


def test_every_table_is_in_the_data_map() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in SQLModel.metadata.tables if f"`{name}`" not in text]
    assert not missing, f"add these tables to docs/gdpr.md §3: {missing}"


def test_the_doc_names_the_settings_and_the_page() -> None:
    text = DOC.read_text(encoding="utf-8")
    for needle in ("DOBRO_AUDIT_KEEP_MONTHS", "DOBRO_RETENTION_MONTHS", "/admin/audit/",
                   "dobro audit prune", "72 часа", "Регламент (ЕС) 2016/679",
                   "Закон за защита на личните данни"):
        assert needle in text, needle
    assert audit.DEFAULT_KEEP_MONTHS == 24 and "24 месеца" in text
