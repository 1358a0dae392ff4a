"""Benchmarks of the build, printed as figures (no assertions: they measure, tests check).

- cold build: a fresh build folder (no jupyter-cache, no PyTensor compiledir), default jobs;
- no-op rebuild: the same folder again, nothing changed;
- serial vs parallel execution: two more fresh folders, ``--jobs 1`` and ``--jobs N``.

Usage: python benchmarks/bench_build.py [--skip-serial] [--root .]
Results are printed and written to _build/bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_build(root: Path, build_dir: Path, jobs: int) -> tuple[float, dict[str, float]]:
    """Wall seconds of one ``ose build`` and each executed lesson's seconds."""
    start = time.perf_counter()
    command = [
        sys.executable,
        "-m",
        "ose.cli",
        "--root",
        str(root),
        "--build-dir",
        str(build_dir),
        "build",
        "--jobs",
        str(jobs),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode:
        sys.exit(f"build failed:\n{result.stdout}\n{result.stderr}")
    lessons = {}
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "s" and parts[2].endswith(".md"):
            lessons[parts[2]] = float(parts[0])
    return wall, lessons


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".", type=Path)
    parser.add_argument("--skip-serial", action="store_true")
    args = parser.parse_args()
    root = args.root.resolve()
    cores = os.cpu_count() or 1
    figures: dict[str, object] = {"cores": cores}
    scratch = Path(tempfile.mkdtemp(prefix="ose-bench-"))
    try:
        cold, lessons = run_build(root, scratch / "cold", cores)
        noop, _ = run_build(root, scratch / "cold", cores)
        figures.update(
            cold_build_s=round(cold, 1),
            noop_rebuild_s=round(noop, 1),
            lessons_s=lessons,
            lesson_cpu_sum_s=round(sum(lessons.values()), 1),
        )
        print(f"cold build ({cores} jobs): {cold:7.1f} s")
        print(f"no-op rebuild:        {noop:7.1f} s")
        for name, seconds in sorted(lessons.items(), key=lambda item: -item[1]):
            print(f"  {seconds:6.1f} s  {name}")
        if not args.skip_serial:
            serial, _ = run_build(root, scratch / "serial", 1)
            parallel, _ = run_build(root, scratch / "parallel", cores)
            figures.update(serial_build_s=round(serial, 1), parallel_build_s=round(parallel, 1))
            print(f"serial build (1 job): {serial:7.1f} s")
            print(
                f"parallel ({cores} jobs):   {parallel:7.1f} s  (speed-up {serial / parallel:.2f}x)"
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    out = root / "_build" / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"figures written to {out}")


if __name__ == "__main__":
    main()
