import re

import pytest

from conftest import run_cli


def test_help_documents_every_command():
    status, out, _ = run_cli("--help")
    assert status == 0
    for command in ("build", "check", "serve"):
        assert re.search(rf"^\s+{command}\s+\S", out, re.M), f"{command} is not documented"


@pytest.mark.parametrize(
    ("command", "option"), [("build", "--jobs"), ("check", "Sphinx"), ("serve", "--port")]
)
def test_each_command_has_help(command, option):
    status, out, _ = run_cli(command, "--help")
    assert status == 0
    assert option in out


def test_outside_a_site_is_one_line(tmp_path):
    status, _, err = run_cli("--root", str(tmp_path), "check")
    assert status == 1
    assert err.strip() == (
        f"{(tmp_path / 'conf.py').as_posix()}:0: no conf.py here, so this is not a site's source "
        "folder (allowed: run ose in the site's root, or pass --root FOLDER)"
    )


@pytest.mark.parametrize(
    ("make", "what"),
    [
        (lambda tmp: tmp / "absent", "does not exist"),
        (lambda tmp: (tmp / "a-file").write_text("x") and tmp / "a-file", "is not a folder"),
    ],
)
def test_an_unusable_root_is_one_line(tmp_path, make, what):
    root = make(tmp_path)
    status, _, err = run_cli("--root", str(root), "build")
    assert status == 1
    assert err.strip() == (
        f"{root.as_posix()}:0: --root {what} (allowed: the site's source folder, which holds "
        "conf.py)"
    )


def test_an_unusable_build_dir_is_one_line(fixture_site, tmp_path):
    root = fixture_site()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    allowed = "(allowed: a folder that exists or can be created, and that you can write to)"
    for build_dir, what in [
        (blocker, "is not a folder"),
        (blocker / "below", f"lies under the file {blocker}"),
    ]:
        status, _, err = run_cli("--root", str(root), "--build-dir", str(build_dir), "check")
        assert status == 1
        assert err.strip() == f"{build_dir.as_posix()}:0: --build-dir {what} {allowed}"


def test_an_unusable_build_date_stops_every_command(fixture_site, monkeypatch):
    root = fixture_site()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    status, _, err = run_cli("--root", str(root), "check")
    assert status == 1
    assert err.strip().startswith("SOURCE_DATE_EPOCH:0: the build date is 'yesterday' (allowed:")
    assert "Traceback" not in err


@pytest.mark.parametrize("jobs", ["-1", "0", "two"])
def test_jobs_must_be_a_positive_number(jobs):
    status, _, err = run_cli("build", "--jobs", jobs)
    assert status == 2
    assert err.strip().splitlines()[-1] == (
        f"ose build: error: argument --jobs/-j: {jobs!r} is not allowed (a whole number, 1 or more)"
    )


def test_port_must_be_a_port():
    status, _, err = run_cli("serve", "--port", "70000")
    assert status == 2
    assert err.strip().splitlines()[-1] == (
        "ose serve: error: argument --port: '70000' is not allowed (a port, 0 to 65535)"
    )


def test_a_busy_port_is_one_line(fixture_site):
    import socket

    root = fixture_site()
    (root / "_build" / "html").mkdir(parents=True)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, _, err = run_cli("--root", str(root), "serve", "--no-build", "--port", str(port))
    assert status == 1
    assert err.strip() == f"error: cannot serve on 127.0.0.1:{port} (Address already in use)"


def test_serve_builds_the_site_then_serves_it(fixture_site):
    """``ose serve`` as the README gives it: the build's lines, then the pages on the port."""
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    root = fixture_site()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "ose.cli", "--root", str(root), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        page, deadline = None, time.monotonic() + 300
        while page is None and server.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html") as response:
                    page = response.read().decode("utf-8")
            except OSError:
                time.sleep(0.5)
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=60)
    assert page is not None, out + err
    assert "Traceback" not in err, err
    assert "executed 1 of 1 lessons" in out
    assert f"serving {root / '_build' / 'html'} at http://127.0.0.1:{port}/" in out
    assert (
        "<title>" in page
        and (root / "_build" / "html" / "index.html").read_text(encoding="utf-8") == page
    )
