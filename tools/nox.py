#!/usr/bin/env python3
"""Run nox with nothing installed but Python >= 3.11 (standard library only).

The first run makes a private virtual environment in ``.nox/_bootstrap`` holding pinned nox and
uv; later runs reuse it. Every argument is passed on to nox, so ``python3 tools/nox.py -s site``
is ``nox -s site``. Nothing is installed outside the clone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

REQUIREMENTS = ["nox==2026.10.20", "uv==0.13.9"]
ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / ".nox" / "_bootstrap"
BIN = HOME / ("Scripts" if os.name == "nt" else "bin")
STAMP = HOME / "requirements.txt"


def ensure_bootstrap() -> None:
    wanted = "\n".join(REQUIREMENTS) + "\n"
    if STAMP.is_file() and STAMP.read_text() == wanted:
        return
    print(f"tools/nox.py: installing {' '.join(REQUIREMENTS)} into {HOME}", file=sys.stderr)
    venv.EnvBuilder(with_pip=True, clear=True).create(HOME)
    subprocess.run(
        [
            str(BIN / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *REQUIREMENTS,
        ],
        check=True,
    )
    STAMP.write_text(wanted)


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 (this script runs before any install)
        print("tools/nox.py: Python >= 3.11 is required", file=sys.stderr)
        return 2
    ensure_bootstrap()
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    os.chdir(ROOT)
    return subprocess.call([str(BIN / "nox"), *sys.argv[1:]], env=env)


if __name__ == "__main__":
    sys.exit(main())
