"""``ose bundle [WORKSHOP]``, and the bundle stage at the end of ``ose build``."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from ose.project import Project
from ose.workshops.bundle import BundleFile, build_bundles, manifest_path, max_bytes_from
from ose.workshops.load import WORKSHOPS_DIR
from ose.workshops.specs import workshop_specs


def make_bundles(
    project: Project, slug: str | None = None, max_mb: float | None = None
) -> list[BundleFile]:
    """Both bundles of every workshop (or of ``slug``) from what ``ose build`` left."""
    if not (project.root / WORKSHOPS_DIR).is_dir():
        return []
    specs = workshop_specs(project, slug)
    return build_bundles(project, specs, max_bytes=max_bytes_from(max_mb), complete=slug is None)


#: Sphinx once more, in a process of its own: ablog and Sphinx keep state in the process that
#: already built the site once.
_SPHINX_AGAIN = (
    "import sys\n"
    "from ose.project import Project\n"
    "from ose.sphinx_run import run_sphinx\n"
    "project = Project.at(sys.argv[1], sys.argv[2])\n"
    "sys.exit(run_sphinx(project, 'html', project.html_dir, project.doctrees_dir))\n"
)


def publish_bundles(project: Project) -> float:
    """The build's last stage: the bundles, then Sphinx again for the pages that list them
    when the manifest changed (an incremental build: only those pages). Returns its seconds."""
    from ose.build import SphinxFailed

    start = time.perf_counter()
    path = manifest_path(project)
    before = path.read_bytes() if path.is_file() else None
    if make_bundles(project) and path.read_bytes() != before:
        again = subprocess.run(
            [sys.executable, "-c", _SPHINX_AGAIN, str(project.root), str(project.build_dir)],
            check=False,
        )
        if again.returncode:
            raise SphinxFailed("Sphinx reported the problems above")
    return time.perf_counter() - start


def cmd_bundle(args: argparse.Namespace) -> int:
    project = Project.at(args.root, args.build_dir)
    start = time.perf_counter()
    bundles = make_bundles(project, args.workshop, args.max_mb)
    if not bundles:
        print(f"no workshops under {WORKSHOPS_DIR}/: no bundles")
        return 0
    for bundle in bundles:
        print(f"{bundle.file}  {bundle.bytes / 1_000_000:6.2f} MB  sha256 {bundle.sha256}")
    print(
        f"{len(bundles)} bundles in {time.perf_counter() - start:.1f} s; "
        f"SHA256SUMS beside them; manifest {manifest_path(project)}"
    )
    return 0


def _megabytes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed (a positive number of MB)")
    return value


def add_bundle_command(commands: argparse._SubParsersAction) -> None:
    """Register ``ose bundle``."""
    bundle = commands.add_parser(
        "bundle",
        help="zip each workshop's learner and instructor bundles (after ose build)",
        description="Write downloads/workshops/<slug>-learner.zip and -instructor.zip into the "
        "built site, with SHA256SUMS beside them and _build/bundles/manifest.json. Reads the "
        "HTML and the executed notebooks that ose build left. Zips are byte-identical for one "
        "commit (times from SOURCE_DATE_EPOCH, else the commit).",
    )
    bundle.add_argument("workshop", nargs="?", help="one workshop's slug (default: every one)")
    bundle.add_argument(
        "--max-mb",
        type=_megabytes,
        default=None,
        help="the largest zip allowed, in MB (default: $OSE_BUNDLE_MAX_MB, else 25)",
    )
    bundle.set_defaults(func=cmd_bundle)


__all__ = ["add_bundle_command", "make_bundles", "publish_bundles"]
