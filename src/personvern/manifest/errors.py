"""Problems found while loading a manifest, each pointing at ``file:line:col``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Location:
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Problem:
    location: Location | None
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class ManifestError(Exception):
    """The manifest cannot be loaded; ``problems`` says every reason found, with its place."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(
            set(problems), key=lambda p: (p.location or Location("", 0, 0), p.message)
        )
        super().__init__("\n".join(str(problem) for problem in self.problems))

    @classmethod
    def at(cls, location: Location | None, message: str) -> ManifestError:
        return cls([Problem(location, message)])
