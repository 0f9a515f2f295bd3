"""Build hook: every wheel (and ``pip install .``) carries the compiled message catalogs.

The metadata lives in pyproject.toml; this file only adds one step to ``build_py``.
Compiled catalogs (``*.mo``) are build products and stay out of git, so without
this step an install from a fresh clone would show the English msgids instead of
the Bulgarian interface.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGS = Path("webapp") / "translations"


class CatalogError(Exception):
    """A catalog that cannot be compiled: the build stops rather than ship English."""


def compile_catalogs(root: Path) -> list[Path]:
    """Compile every ``LANG/LC_MESSAGES/*.po`` under ``root`` into the ``.mo`` beside it."""
    compiled = []
    for source in sorted(root.glob("*/LC_MESSAGES/*.po")):
        with source.open("rb") as handle:
            catalog = read_po(handle, locale=source.parent.parent.name)
        # pybabel compile skips a catalog whose header is fuzzy; a wheel must not lack one.
        if catalog.fuzzy:
            raise CatalogError(f"{source}: the catalog header is marked fuzzy; "
                               "remove the '#, fuzzy' flag of the header entry")
        target = source.with_suffix(".mo")
        with target.open("wb") as handle:
            write_mo(handle, catalog)  # fuzzy entries are left out, as pybabel compile does
        compiled.append(target)
    if not compiled:
        raise CatalogError(f"no message catalogs under {root}")
    return compiled


class BuildWithCatalogs(build_py):
    """``build_py`` that also compiles the message catalogs into the build."""

    def run(self) -> None:
        super().run()
        # An editable install runs the package from the source tree, so compile there.
        root = CATALOGS if self.editable_mode else Path(self.build_lib) / CATALOGS
        compile_catalogs(root)


setup(cmdclass={"build_py": BuildWithCatalogs})
