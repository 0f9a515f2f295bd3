"""Problems found in course sources, and the package's exception hierarchy."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from course.wording import count

Severity = Literal["error", "warning"]
# Characters. Messages quote the author's text (an id, a value, a link); a quote of a
# pasted page, or of anything large, must not turn one problem into megabytes.
MAX_MESSAGE = 400


@dataclass(frozen=True, order=True)
class Problem:
    """One fault in the sources, located at a file, line and column (1-based)."""

    path: str
    line: int
    col: int
    severity: Severity
    message: str
    code: str

    def __post_init__(self) -> None:
        if len(self.message) > MAX_MESSAGE:
            object.__setattr__(self, "message", self.message[:MAX_MESSAGE - 1] + "…")

    def format(self) -> str:
        """Render as ``path:line:col: severity: message [code]``."""
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message} [{self.code}]"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def has_errors(problems: Iterable[Problem], strict: bool = False) -> bool:
    """Tell whether the problems block a build (warnings count when strict)."""
    return any(p.is_error or strict for p in problems)


class CourseError(Exception):
    """Base class of everything ``course`` raises."""


class ContentError(CourseError):
    """The course sources have errors; ``problems`` lists every one."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = sum(p.is_error for p in problems)
        super().__init__(f"{count(errors, 'грешка', 'грешки')} в съдържанието на курса")


class UsageError(CourseError):
    """A command was called wrongly (a missing directory, a bad option)."""
