"""Publish a built tree in one rename, so that a reader never sees half a site.

A published folder (``_build/html``, ``_build/site``) is a symbolic link to a complete tree. A new
tree is built elsewhere and the link is switched with :func:`os.replace`, which is atomic: until
that moment the old tree is served unchanged, and a build that fails or is interrupted before it
leaves the old tree byte for byte as it was.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path


def published_tree(link: Path) -> Path | None:
    """The complete tree that ``link`` publishes now, or None if nothing is published."""
    if link.is_symlink() or link.is_dir():
        resolved = link.resolve()
        return resolved if resolved.is_dir() else None
    return None


def new_tree_name(prefix: str) -> str:
    """A name for a new tree that sorts by time and cannot collide with another build's."""
    return f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"


def start_from(published: Path | None, staging: Path) -> None:
    """Make ``staging`` a copy of what is published, so that Sphinx writes only what changed.

    Files are copied, never hard-linked: Sphinx rewrites a page in place, which would change the
    published copy through a shared inode."""
    shutil.rmtree(staging, ignore_errors=True)
    if published is not None:
        shutil.copytree(published, staging, symlinks=True)
    else:
        staging.mkdir(parents=True)


def swap_in(link: Path, new_tree: Path) -> Path:
    """Point ``link`` at ``new_tree`` in one rename; drop the trees beside it that it replaced.

    ``new_tree`` lives in a folder of its own (``_build/htmls/``, ``_build/sites/``), so every
    other entry there is an older tree. A real folder at ``link`` (from a build before links were
    used) is moved aside first, which is the one moment nothing is published."""
    if link.exists() and not link.is_symlink():
        replaced = link.with_name(link.name + ".replaced")
        shutil.rmtree(replaced, ignore_errors=True)
        link.rename(replaced)
        shutil.rmtree(replaced, ignore_errors=True)
    temporary = link.with_name(link.name + ".swap")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(os.path.relpath(new_tree, link.parent))
    os.replace(temporary, link)
    for old in new_tree.parent.iterdir():
        if old != new_tree:
            shutil.rmtree(old, ignore_errors=True)
    return link
