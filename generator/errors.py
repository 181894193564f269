"""Problems found while reading or building a site.

Every stage collects problems instead of raising on the first one, so a user sees every
problem of a build at once and fixes them in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    path: str
    line: int | None
    key: str | None
    message: str
    hint: str | None = None
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self) -> str:
        """`path:line: key: message (hint)`: the shape editors and CI annotators can jump to."""
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        label = "" if self.is_error else "warning: "
        key = f"{self.key}: " if self.key else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}: {label}{key}{self.message}{hint}"

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "key": self.key,
            "message": self.message,
            "hint": self.hint,
            "severity": self.severity.value,
        }


def error(
    path: str | Path, line: int | None, key: str | None, message: str, hint: str | None = None
) -> Problem:
    return Problem(str(path), line, key, message, hint, Severity.ERROR)


def warning(
    path: str | Path, line: int | None, key: str | None, message: str, hint: str | None = None
) -> Problem:
    return Problem(str(path), line, key, message, hint, Severity.WARNING)


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Stable, readable order: by file, then line, so a report reads like the files do."""
    return sorted(problems, key=lambda p: (p.path, p.line or 0, p.key or "", p.message))


class BuildFailed(Exception):
    """Raised once, at the end of a stage, carrying every problem found so far."""

    def __init__(self, problems: list[Problem]):
        self.problems = sort_problems(problems)
        super().__init__("\n".join(p.format() for p in self.problems))


def counted(number: int, noun: str) -> str:
    """ "1 error", "2 errors": the summary lines of press build, check and serve read as sentences
    (the nouns they count take an s)."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
