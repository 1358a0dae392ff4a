"""Shared fixtures: build real sites (the project's own, and small fixture sites) once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

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
    """Run ``ose ARGS`` in its own process, as a user would; return (status, stdout, stderr).

    A process per run also isolates the builds: ablog and Sphinx keep state in the process.
    """
    result = subprocess.run(
        [sys.executable, "-m", "ose.cli", *args], capture_output=True, text=True, check=False
    )
    return result.returncode, result.stdout, result.stderr


def run_ose(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``ose ARGS`` in this process: fast, for commands that stop before Sphinx runs (a check
    that fails in the data layer). Anything that builds goes through :func:`run_cli`."""
    from ose.cli import main

    status = main(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def build_site(root: Path, *args: str) -> BuiltSite:
    """``ose build`` on ``root``, with everything it printed."""
    status, out, err = run_cli("--root", str(root), "build", *args)
    return BuiltSite(root, root / "_build", status, out, err)


@pytest.fixture(scope="session")
def real_site() -> BuiltSite:
    """The repository's own site, built once per test session (its caches under REPO/_build)."""
    site = build_site(REPO)
    assert site.status == 0, f"the real site failed to build:\n{site.out}\n{site.err}"
    return site


def sphinx_unexecuted(root: Path, epoch: str | None = None) -> subprocess.CompletedProcess[str]:
    """Sphinx on ``root`` as ``ose build`` runs it, but with the lessons left unexecuted (which
    the curriculum rightly warns about, so that warning is suppressed); at build date ``epoch``."""
    env = {**os.environ, **({"SOURCE_DATE_EPOCH": epoch} if epoch else {})}
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--no-color", "--keep-going", "-q", "-b", "html",
         "-D", "nb_execution_mode=off",
         "-D", "suppress_warnings=mystnb.unknown_mime_type,ose.curriculum",
         str(root), str(root / "_build" / "html")],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
