"""Where things are: the source tree and everything the build writes under ``_build/``.

One ``rm -rf _build`` resets the project: HTML, doctrees, the jupyter-cache, the PyTensor
compiledir, the JAX compilation cache, execution records and logs all live below it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Folders of the source tree that never hold site content.
EXCLUDED_DIRS = frozenset(
    {
        "_build",
        ".git",
        ".github",
        ".ci",
        ".nox",
        ".venv",
        "node_modules",
        "src",
        "tests",
        ".pytest_cache",
        ".ruff_cache",
        ".ipynb_checkpoints",
    }
)


@dataclass(frozen=True)
class Project:
    """A site source tree (the folder holding ``conf.py``) and its build folder."""

    root: Path
    build_dir: Path

    @classmethod
    def at(cls, root: Path | str = ".", build_dir: Path | str | None = None) -> Project:
        root = Path(root).resolve()
        build = Path(build_dir).resolve() if build_dir else root / "_build"
        return cls(root=root, build_dir=build)

    @property
    def conf_py(self) -> Path:
        return self.root / "conf.py"

    @property
    def html_dir(self) -> Path:
        return self.build_dir / "html"

    @property
    def doctrees_dir(self) -> Path:
        return self.build_dir / "doctrees"

    @property
    def cache_dir(self) -> Path:
        """Parent of every cache: jupyter-cache, PyTensor compiledir, JAX cache."""
        return self.build_dir / "cache"

    @property
    def records_path(self) -> Path:
        return self.build_dir / "execution" / "records.json"

    @property
    def logs_dir(self) -> Path:
        return self.build_dir / "logs"

    @property
    def lock_file(self) -> Path | None:
        """The lock of exact versions, searched from the root upwards (fixtures sit inside)."""
        for folder in (self.root, *self.root.parents):
            candidate = folder / "uv.lock"
            if candidate.is_file():
                return candidate
        return None

    def markdown_sources(self) -> Iterator[Path]:
        """Every ``.md`` file that may become a page, in a stable order."""
        for path in sorted(self.root.rglob("*.md")):
            relative = path.relative_to(self.root)
            if any(part in EXCLUDED_DIRS or part.startswith(".") for part in relative.parts[:-1]):
                continue
            if len(relative.parts) == 1 and path.name in ROOT_FILES_NOT_PAGES:
                continue
            yield path

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()


#: Markdown files at the root that document the repository rather than the site.
ROOT_FILES_NOT_PAGES = frozenset({"README.md", "CONTRIBUTING.md", "CHANGELOG.md", "LICENSE.md"})
