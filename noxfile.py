"""Developer sessions. Run them with ``python3 tools/nox.py -s NAME`` (or plain ``nox``).

Every session installs the locked environment (uv.lock) into its own virtual environment with
byte-compiled files, which halves each lesson's import time.
"""

import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "tests"]
nox.options.reuse_venv = "yes"


def install(session: nox.Session, *groups: str) -> None:
    """Sync the session's virtual environment to uv.lock exactly."""
    session.run_install(
        "uv",
        "sync",
        "--locked",
        "--compile-bytecode",
        "--quiet",
        *(f"--group={group}" for group in groups),
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
    )
    # uv compiles the installed packages but not this project (installed editable); where
    # PYTHONDONTWRITEBYTECODE is set, every ose process (and every test's) would compile it anew
    session.run("python", "-m", "compileall", "-q", "src", silent=True)


@nox.session
def site(session: nox.Session) -> None:
    """Build the whole site into _build/html (check, execute lessons, Sphinx -W)."""
    install(session)
    session.run("ose", "build", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite; it builds the real site too, so every lesson must pass. The book
    group brings jupyter-book, which the bundle tests run on a workshop bundle; npm brings
    axe-core, which the accessibility tests run in Chromium."""
    install(session, "test", "book")
    if not (Path(__file__).parent / "node_modules" / "axe-core").is_dir():
        # axe-core (package-lock.json) for the accessibility tests, installed here and never at
        # test time; .ci/run installs node and npm. Without npm they are skipped (failed in CI)
        if shutil.which("npm"):
            session.run("npm", "ci", "--no-audit", "--no-fund", external=True)
        else:
            session.warn("npm is not installed: the accessibility tests will be skipped")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and format check."""
    install(session, "lint")
    session.run("ruff", "check", "src", "tests", "conf.py", "noxfile.py", "tools", "benchmarks")
    session.run(
        "ruff", "format", "--check", "src", "tests", "conf.py", "noxfile.py", "tools", "benchmarks"
    )


@nox.session
def serve(session: nox.Session) -> None:
    """Build, then serve the site on http://127.0.0.1:8000/ (pass --port N)."""
    install(session)
    session.run("ose", "serve", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks that print figures: cold build, no-op rebuild, serial vs parallel; execution
    against the anchors (plain myst-nb force, jupyter-cache local-parallel, an edit) and the
    executor's overhead per lesson (100 small lessons, locally and on Dask); then the page
    weight of lessons against a bare pydata-sphinx-theme page, in Chromium."""
    install(session, "test")
    session.run("python", "benchmarks/bench_build.py", *session.posargs)
    session.run("python", "benchmarks/bench_execution.py")
    session.run("ose", "build")
    session.run("python", "benchmarks/bench_page_weight.py")


@nox.session
def publish(session: nox.Session) -> None:
    """Build every version of versions.yaml into _build/site (reusing unchanged versions)."""
    install(session)
    session.run("ose", "publish", *session.posargs)
