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
    assert (
        err.strip()
        == f"{(tmp_path / 'conf.py').as_posix()}:0: no conf.py here (run ose in the site's root)"
    )
