"""``ose``: the command line over the project's data layer and build.

User errors are printed one per line as ``path:line: message`` and exit with status 1; there is
never a traceback for something the user can fix.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

from rich.console import Console

from ose import __version__
from ose.decisions.cli import add_decision_command
from ose.problems import ProblemsFound
from ose.project import Project

EXIT_PROBLEMS = 1


def _project(args: argparse.Namespace) -> Project:
    project = Project.at(args.root, args.build_dir)
    if not project.conf_py.is_file():
        raise ProblemsFound.single(project.conf_py, "no conf.py here (run ose in the site's root)")
    return project


def cmd_build(args: argparse.Namespace) -> int:
    from ose.build import build

    project = _project(args)
    start = time.perf_counter()
    report = build(project, jobs=args.jobs)
    summary = report.execution
    print(
        f"executed {len(summary.executed)} of {summary.total} lessons "
        f"({len(summary.cached)} from cache) in {report.stage_seconds['execute']:.1f} s"
    )
    for name in summary.executed:
        print(f"  {summary.seconds[name]:6.1f} s  {name}")
    stages = ", ".join(
        f"{stage} {seconds:.1f} s" for stage, seconds in report.stage_seconds.items()
    )
    print(f"built in {time.perf_counter() - start:.1f} s ({stages})")
    print(f"site: {project.html_dir / 'index.html'}  (serve it with: ose serve)")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from ose.build import check

    project = _project(args)
    check(project)
    print("check: every source is valid")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ose.serve import make_server

    project = _project(args)
    if not args.no_build:
        cmd_build(args)
    server = make_server(project.html_dir, args.port)
    print(f"serving {project.html_dir} at http://127.0.0.1:{server.server_port}/ (Ctrl+C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ose",
        description="Build, check and serve the PyMC Foundation website.",
    )
    parser.add_argument("--version", action="version", version=f"ose {__version__}")
    parser.add_argument("--root", default=".", help="the site's source folder (default: .)")
    parser.add_argument("--build-dir", default=None, help="where to build (default: ROOT/_build)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build = commands.add_parser(
        "build",
        help="check, execute the lessons and build the HTML site into _build/html",
        description="Validate the sources, execute every lesson not in the cache (in parallel), "
        "then build the site with Sphinx -W.",
    )
    build.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=os.cpu_count(),
        help="lessons executed at once (default: one per core, %(default)s here)",
    )
    build.set_defaults(func=cmd_build)

    check = commands.add_parser(
        "check",
        help="validate every source without executing anything",
        description="Check front matter and cross-file rules, then run Sphinx -W (dummy "
        "builder, execution off) so that broken references fail too.",
    )
    check.set_defaults(func=cmd_check)

    serve = commands.add_parser(
        "serve",
        help="build, then serve the site on http://127.0.0.1:PORT/",
        description="Build the site (unless --no-build), then serve _build/html on 127.0.0.1.",
    )
    serve.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    serve.add_argument("--no-build", action="store_true", help="serve what is built already")
    serve.add_argument("--jobs", "-j", type=int, default=os.cpu_count(), help=argparse.SUPPRESS)
    serve.set_defaults(func=cmd_serve)

    add_decision_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ose.build import SphinxFailed

    try:
        return int(args.func(args))
    except ProblemsFound as found:
        for problem in found.problems:
            print(problem, file=sys.stderr)
        return EXIT_PROBLEMS
    except SphinxFailed as failed:
        Console(stderr=True).print(f"[red]error:[/] {failed}", highlight=False)
        return EXIT_PROBLEMS


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
