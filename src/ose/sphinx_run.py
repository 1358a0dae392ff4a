"""Run Sphinx's real builder with ``-W`` (warnings are errors) on a project."""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

from ose.environment import execution_cache_dir
from ose.project import Project


def run_sphinx(
    project: Project,
    builder: str,
    outdir: Path,
    doctrees: Path,
    overrides: dict[str, str] | None = None,
) -> int:
    """Build ``project`` with ``builder``; warnings and errors go to stderr; return the status.

    myst-nb is given the very jupyter-cache the pre-executor filled: with ``--build-dir`` it
    could not find it from the source folder alone, and would execute every lesson again.
    """
    from sphinx.cmd.build import build_main

    args = ["-W", "--keep-going", "-q", "-b", builder, "-d", str(doctrees)]
    if not sys.stderr.isatty():
        args.append("--no-color")  # a log or a pipe gets plain `path:line: message` lines
    settings = {"nb_execution_cache_path": str(execution_cache_dir(project)), **(overrides or {})}
    for key, value in settings.items():
        args += ["-D", f"{key}={value}"]
    args += [str(project.root), str(outdir)]
    # Sphinx prints its own status lines; keep stdout for ours, let warnings reach stderr
    with contextlib.redirect_stdout(io.StringIO() if builder == "dummy" else sys.stdout):
        return build_main(args)
