"""``ose``: the command line over the project's data layer and build.

User errors are printed one per line as ``path:line: message`` and exit with status 1; there is
never a traceback for something the user can fix.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from ose import __version__, interrupts
from ose.core.dates import build_date
from ose.core.problems import ProblemsFound
from ose.project import Project

EXIT_PROBLEMS = 1
#: A shell's status for a command stopped by a signal: 128 + the signal's number.
EXIT_INTERRUPTED = {"SIGINT": 130, "SIGTERM": 143}


def source_project(args: argparse.Namespace) -> Project:
    """The sources at ``--root`` (a folder that exists), for commands that only read them."""
    root = Path(args.root)
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        raise ProblemsFound.single(
            root, f"--root {what} (allowed: the site's source folder, which holds conf.py)"
        )
    return Project.at(args.root, getattr(args, "build_dir", None))


def site_project(args: argparse.Namespace) -> Project:
    """The site at ``--root``, building into ``--build-dir``; one line if either is unusable."""
    project = source_project(args)
    if not project.conf_py.is_file():
        raise ProblemsFound.single(
            project.conf_py,
            "no conf.py here, so this is not a site's source folder "
            "(allowed: run ose in the site's root, or pass --root FOLDER)",
        )
    _check_build_dir(project.build_dir)
    build_date()  # an unusable SOURCE_DATE_EPOCH stops every command before it starts work
    return project


def _check_build_dir(build_dir: Path) -> None:
    """The build folder must be a folder, or creatable, and writable."""
    allowed = "(allowed: a folder that exists or can be created, and that you can write to)"
    existing = next((p for p in (build_dir, *build_dir.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        what = "is not a folder" if existing == build_dir else f"lies under the file {existing}"
        raise ProblemsFound.single(build_dir, f"--build-dir {what} {allowed}")
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise ProblemsFound.single(build_dir, f"--build-dir is not writable {allowed}")


def cmd_build(args: argparse.Namespace) -> int:
    from ose.build import build

    if getattr(args, "all_versions", False):
        return cmd_publish(args)
    project = site_project(args)
    start = time.perf_counter()
    report = build(project, jobs=args.jobs, scheduler=args.scheduler)
    summary = report.execution
    print(
        f"executed {len(summary.executed)} of {summary.total} lessons "
        f"({len(summary.cached)} from cache) in {report.stage_seconds['execute']:.1f} s"
    )
    for name in summary.executed:
        retried = summary.retried.get(name)
        note = f"  (retried {retried}x: its Dask worker died)" if retried else ""
        print(f"  {summary.seconds[name]:6.1f} s  {name}{note}")
    stages = ", ".join(
        f"{stage} {seconds:.1f} s" for stage, seconds in report.stage_seconds.items()
    )
    print(f"built in {time.perf_counter() - start:.1f} s ({stages})")
    print(f"site: {project.html_dir / 'index.html'}  (serve it with: ose serve)")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from ose.environment import accelerator_name
    from ose.execution.cluster import serve_worker

    project = site_project(args)
    gpu = accelerator_name() != "cpu" if args.gpu is None else args.gpu
    print(
        f"ose worker: {args.cores} core{'s' if args.cores > 1 else ''}{', a GPU' if gpu else ''}, "
        f"lessons from {project.root}, "
        f"for the Dask scheduler at {args.scheduler} (Ctrl+C stops)"
    )
    try:
        serve_worker(project, args.scheduler, args.cores, gpu)
    except KeyboardInterrupt:
        interrupts.stop_descendants()
        print("ose worker: stopped")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from ose.build import check

    project = site_project(args)
    check(project)
    print("check: every source is valid")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from ose.versions.publish import publish

    project = site_project(args)
    print("publishing every version of versions.yaml")
    report = publish(project, jobs=args.jobs, scheduler=args.scheduler)
    built = sum(1 for outcome in report.versions if outcome.action == "built")
    print(
        f"published {len(report.versions)} versions ({built} built, "
        f"{len(report.versions) - built} reused) in {report.seconds:.1f} s"
    )
    print(f"site: {report.site}  (serve it with: ose serve --site)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ose.serve import make_server

    project = site_project(args)
    directory = project.build_dir / "site" if args.site else project.html_dir
    if not args.no_build:
        (cmd_publish if args.site else cmd_build)(args)
    try:
        server = make_server(directory.resolve(), args.port)
    except OSError as error:
        print(f"error: cannot serve on 127.0.0.1:{args.port} ({error.strerror})", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"serving {directory} at http://127.0.0.1:{server.server_port}/ (Ctrl+C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed (a whole number, 1 or more)")
    return value


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 0 (any free one) to 65535."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed (a port, 0 to 65535)")
    return int(text)


def scheduler_address(text: str) -> str:
    """A Dask scheduler's address, checked before any work starts."""
    from ose.execution.cluster import address_problem

    problem = address_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def add_scheduler_option(command: argparse.ArgumentParser) -> None:
    """``--scheduler``: where lessons run (``ose build``, and each version's ``ose publish``)."""
    command.add_argument(
        "--scheduler",
        type=scheduler_address,
        default=os.environ.get("OSE_SCHEDULER") or None,
        metavar="tcp://HOST:PORT",
        help="execute the lessons on this Dask cluster's workers (started with `ose worker`) "
        "instead of this machine (default: $OSE_SCHEDULER, else this machine)",
    )


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
        type=positive_int,
        default=os.cpu_count(),
        help="lessons executed at once (default: one per core, %(default)s here)",
    )
    add_scheduler_option(build)
    build.add_argument(
        "--all-versions",
        action="store_true",
        help="build every version of versions.yaml and publish _build/site (as ose publish)",
    )
    build.set_defaults(func=cmd_build)

    publish = commands.add_parser(
        "publish",
        help="build every version of versions.yaml and swap _build/site in atomically",
        description="Build each version of versions.yaml from its own ref in a git worktree "
        "(reusing versions whose commit and lock are unchanged), put the site together with "
        "its switcher, aliases, redirect and sitemap index, and swap it in with one rename.",
    )
    publish.add_argument(
        "--jobs", "-j", type=positive_int, default=os.cpu_count(), help="lessons executed at once"
    )
    add_scheduler_option(publish)
    publish.set_defaults(func=cmd_publish)

    worker = commands.add_parser(
        "worker",
        help="run a Dask worker that executes lessons for `ose build --scheduler`",
        description="Start a Dask worker (under a nanny that restarts it) connected to SCHEDULER, "
        "advertising its cores and, where one is present, a GPU. Run it in a checkout of this "
        "site with the locked environment: a worker whose environment differs is refused.",
    )
    worker.add_argument(
        "scheduler", type=scheduler_address, metavar="tcp://HOST:PORT", help="the Dask scheduler"
    )
    worker.add_argument(
        "--cores",
        type=positive_int,
        default=os.cpu_count(),
        help="cores that lessons may use at once (default: all, %(default)s here)",
    )
    worker.add_argument(
        "--gpu",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="advertise a GPU (default: when nvidia-smi finds one)",
    )
    worker.set_defaults(func=cmd_worker)

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
    serve.add_argument("--port", type=port_number, default=8000, help="port (default: %(default)s)")
    serve.add_argument("--no-build", action="store_true", help="serve what is built already")
    serve.add_argument(
        "--site", action="store_true", help="serve the versioned site (_build/site) instead"
    )
    serve.add_argument(
        "--jobs", "-j", type=positive_int, default=os.cpu_count(), help=argparse.SUPPRESS
    )
    add_scheduler_option(serve)
    serve.set_defaults(func=cmd_serve)

    # imported here, not above: a lesson process imports this module as its parent's main one
    # before it can start its kernel server, and needs none of what these commands import
    from ose.decisions.cli import add_decision_command
    from ose.workshops.cli import add_bundle_command

    add_decision_command(commands)
    add_bundle_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ose.build import SphinxFailed
    from ose.execution.runner import ExecutorFailed
    from ose.versions.publish import PublishFailed

    try:
        with interrupts.interruptible():
            return int(args.func(args))
    except KeyboardInterrupt:
        interrupts.stop_descendants()
        signal_name = interrupts.received() or "SIGINT"
        print(
            f"ose: interrupted by {signal_name}: every kernel and worker stopped, nothing "
            "published (the next build resumes from the cache)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED.get(signal_name, 130)
    except ProblemsFound as found:
        for problem in found.problems:
            print(problem, file=sys.stderr)
        return EXIT_PROBLEMS
    except (PublishFailed, ExecutorFailed) as failed:
        print(f"error: {failed}", file=sys.stderr)
        return EXIT_PROBLEMS
    except SphinxFailed as failed:
        Console(stderr=True).print(f"[red]error:[/] {failed}", highlight=False)
        return EXIT_PROBLEMS


def entry() -> None:
    """Console-script entry point."""
    code = main()
    # not under a profiler or tracer (coverage, cProfile): they report as the interpreter ends
    if threading.active_count() == 1 and sys.getprofile() is None and sys.gettrace() is None:
        _exit_without_teardown(code)
    sys.exit(code)


def _exit_without_teardown(code: int) -> None:
    """Exit once the exit handlers have run, without freeing every object one by one: after a
    build the process holds Sphinx's environment and the imported stack, and tearing the
    interpreter down takes over a second (1.2 s measured after a no-op build) that nothing
    needs. Only with no thread but this one left to finish."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
