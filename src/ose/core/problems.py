"""User-facing problems: one line each, ``path:line: message``.

Every check in the project reports through :class:`Problem` so that the CLI, the Sphinx layer and
the tests see the same text. A problem is a fact about the sources, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """Something wrong with a source file, at a line (1-based; 0 when it concerns the file)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"

    @classmethod
    def at(cls, path: Path | str, line: int, message: str, root: Path | None = None) -> Problem:
        """A problem whose path is shown relative to ``root`` when it lies inside it."""
        return cls(display_path(path, root), line, message)


def display_path(path: Path | str, root: Path | None = None) -> str:
    """The path as a user should read it: relative to the project root when possible."""
    path = Path(path)
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


class ProblemsFound(Exception):
    """Raised to stop a stage when user input is wrong; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, path: Path | str, message: str, line: int = 0) -> ProblemsFound:
        return cls([Problem(Path(path).as_posix(), line, message)])
