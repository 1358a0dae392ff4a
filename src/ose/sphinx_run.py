"""Run Sphinx's real builder with ``-W`` (warnings are errors) on a project."""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

from ose.project import Project


def run_sphinx(
    project: Project,
    builder: str,
    outdir: Path,
    doctrees: Path,
    overrides: dict[str, str] | None = None,
) -> int:
    """Build ``project`` with ``builder``; warnings and errors go to stderr; return the status."""
    from sphinx.cmd.build import build_main

    args = ["-W", "--keep-going", "-q", "-b", builder, "-d", str(doctrees)]
    for key, value in (overrides or {}).items():
        args += ["-D", f"{key}={value}"]
    args += [str(project.root), str(outdir)]
    # Sphinx prints its own status lines; keep stdout for ours, let warnings reach stderr
    with contextlib.redirect_stdout(io.StringIO() if builder == "dummy" else sys.stdout):
        return build_main(args)
