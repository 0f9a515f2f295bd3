"""Fixtures shared by every test layer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


def copy_course(name: str, dest: Path) -> Path:
    """Copy the fixture course ``name`` into ``dest`` and return its root."""
    root = dest / name
    shutil.copytree(FIXTURES / "courses" / name, root)
    return root


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """A fresh copy of the minimal valid course, safe to break."""
    return copy_course("minimal", tmp_path)
