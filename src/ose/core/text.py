"""Reading a source file as text, with one clear line for every way it can be unreadable.

Every file the project reads (front matter, data files, the versions manifest) goes through
:func:`read_text`, so that a byte-order mark, Windows line endings, bytes that are not UTF-8 or a
file that is not there give the same kind of message whichever concern reads it, instead of a
``UnicodeDecodeError`` traceback or a YAML error that points at the wrong place.
"""

from __future__ import annotations

import os
from pathlib import Path

from ose.core.problems import Problem, ProblemsFound

BOM = b"\xef\xbb\xbf"
#: Larger source files are refused: a data file or a page this big is a mistake, not content.
MAX_BYTES = 2_000_000


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, path: Path | str, root: Path | None = None) -> str:
    """``data`` as text, or :class:`ProblemsFound` with one line saying what is wrong."""

    def fail(line: int, message: str) -> ProblemsFound:
        return ProblemsFound([Problem.at(path, line, message, root)])

    if data.startswith(BOM):
        raise fail(1, "the file starts with a byte-order mark (allowed: UTF-8 without BOM)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = data[error.start : error.start + 1].hex()
        raise fail(
            _line_at(data, error.start),
            f"byte 0x{bad} is not UTF-8 (allowed: UTF-8 text; re-save the file as UTF-8)",
        ) from None
    if "\x00" in text:
        raise fail(_line_at(data, data.index(b"\x00")), "NUL byte in a text file (allowed: text)")
    if "\r" in text:
        line = _line_at(data, data.index(b"\r"))
        kind = "Windows (CRLF)" if "\r\n" in text else "old Mac (CR)"
        raise fail(line, f"the file has {kind} line endings (allowed: LF line endings)")
    return text


def read_text(path: Path, root: Path | None = None) -> str:
    """The text of ``path``: UTF-8, no BOM, LF line endings; otherwise one problem line."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ProblemsFound(
                [Problem.at(path, 0, f"the file is {size:,} bytes (allowed: {MAX_BYTES:,})", root)]
            )
        data = path.read_bytes()
    except IsADirectoryError:
        raise ProblemsFound([Problem.at(path, 0, "is a folder (allowed: a file)", root)]) from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ProblemsFound(
            [Problem.at(path, 0, f"cannot be read ({reason.lower()})", root)]
        ) from None
    return decode(data, path, root)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` in one rename, creating its folder: a reader (another build,
    a lesson process) never sees half a file, and two writers never share a temporary one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_bytes(data)
    partial.replace(path)


def file_version(path: Path) -> tuple[int, int]:
    """What an in-process cache keys a file's content by: its modification time and size
    (OSError where it cannot be read)."""
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size
