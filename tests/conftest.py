"""Shared fixtures: build real sites (the project's own, and small fixture sites) once."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ose.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@dataclass
class BuiltSite:
    """A site that ``ose build`` was run on, with what it printed."""

    root: Path
    build_dir: Path
    status: int
    out: str
    err: str

    @property
    def html(self) -> Path:
        return self.build_dir / "html"

    def page(self, relative: str) -> str:
        return (self.html / relative).read_text(encoding="utf-8")


def make_fixture_site(
    destination: Path, extra: dict[str, str] | None = None, base: str = "site"
) -> Path:
    """Copy fixture ``base`` plus the project's real conf.py to ``destination``; add ``extra``."""
    shutil.copytree(FIXTURES / base, destination)
    shutil.copy2(REPO / "conf.py", destination / "conf.py")
    for relative, text in (extra or {}).items():
        path = destination / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return destination


@pytest.fixture
def fixture_site(tmp_path: Path) -> Callable[..., Path]:
    """A factory: ``fixture_site(extra={"path.md": text})`` returns a fresh site root."""

    def factory(extra: dict[str, str] | None = None, base: str = "site") -> Path:
        return make_fixture_site(tmp_path / "site", extra, base)

    return factory


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run ``ose ARGS`` in-process; return (status, stdout, stderr) as a user would see them."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(args))
    return status, out.getvalue(), err.getvalue()


def build_site(root: Path, *args: str) -> BuiltSite:
    """``ose build`` on ``root``, with everything it printed."""
    status, out, err = run_cli("--root", str(root), "build", *args)
    return BuiltSite(root, root / "_build", status, out, err)


def build(root: Path, capfd: pytest.CaptureFixture[str] | None = None, *args: str) -> BuiltSite:
    """Alias of :func:`build_site` (``capfd`` is accepted and unused)."""
    return build_site(root, *args)


@pytest.fixture(scope="session")
def real_site() -> BuiltSite:
    """The repository's own site, built once per test session (its caches under REPO/_build)."""
    site = build_site(REPO)
    assert site.status == 0, f"the real site failed to build:\n{site.out}\n{site.err}"
    return site
