"""Where things are: the source tree and everything the build writes under ``_build/``.

One ``rm -rf _build`` resets the project: HTML, doctrees, the jupyter-cache, the PyTensor
compiledir, the JAX compilation cache, execution records and logs all live below it.
"""

from __future__ import annotations

import os
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
        """Every ``.md`` file that may become a page, in a stable order. Excluded folders are
        not walked at all: a checkout holds virtual environments of tens of thousands of files
        (symbolic links to folders are not followed, as ``Path.rglob`` does not)."""
        found = []
        for folder, folders, files in os.walk(self.root):
            folders[:] = [f for f in folders if f not in EXCLUDED_DIRS and not f.startswith(".")]
            top = folder == str(self.root)
            found += [
                Path(folder, name)
                # a folder named like a page is reported as one that cannot be read
                for name in (*files, *folders)
                if name.endswith(".md") and not (top and name in ROOT_FILES_NOT_PAGES)
            ]
        yield from sorted(found)

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()


#: Markdown files at the root that document the repository rather than the site.
ROOT_FILES_NOT_PAGES = frozenset({"README.md", "CONTRIBUTING.md", "CHANGELOG.md", "LICENSE.md"})
