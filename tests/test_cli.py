import pytest

from conftest import run_cli


def test_help_documents_every_command():
    with pytest.raises(SystemExit) as exited:
        run_cli("--help")
    assert exited.value.code == 0


@pytest.mark.parametrize("command", ["build", "check", "serve"])
def test_each_command_has_help(command, capsys):
    with pytest.raises(SystemExit):
        run_cli(command, "--help")


def test_help_lists_the_commands(capsys):
    from ose.cli import build_parser

    text = build_parser().format_help()
    for command in ("build", "check", "serve"):
        assert command in text


def test_outside_a_site_is_one_line(tmp_path):
    status, _, err = run_cli("--root", str(tmp_path), "check")
    assert status == 1
    assert (
        err.strip()
        == f"{(tmp_path / 'conf.py').as_posix()}:0: no conf.py here (run ose in the site's root)"
    )
