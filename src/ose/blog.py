"""The blog: where posts live, the rule that keeps them there, and absolute links in its feeds.

ablog turns any page holding a ``{post}`` directive into a post, with archive pages for its year
and category, so a lesson that borrowed the directive would silently join the blog. Posts live
in :data:`POSTS_DIR` alone; ``ose check`` names every ``{post}`` found elsewhere.

ablog writes a post's full text into the Atom feeds with links relative to the page the feed
belongs to; a feed reader resolves them against the feed's own address, where they break.
:func:`absolute_feed_links` rewrites them against the site's address. ablog also stamps each feed
with the time it was written, so two builds of one commit gave different feeds; the feed's
``<updated>`` becomes that of its newest entry, which changes only when a post does.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

from ose.core.frontmatter import parse_front_matter
from ose.core.problems import Problem, ProblemsFound
from ose.core.text import read_text
from ose.project import Project

#: The folder of the blog's posts (conf.py's ``blog_post_pattern`` is built from it).
POSTS_DIR = "docs/posts"
#: The blog's one index page (docname): the list of posts, linked from the navigation.
BLOG_INDEX = "docs/blog"

#: A ``{post}`` directive in MyST (backticks or colons) or reStructuredText.
_POST_DIRECTIVE = re.compile(r"^\s*(?:(?:`{3,}|:{3,})\s*\{post\}|\.\.\s+post::)")
#: An ``href`` or ``src`` attribute, as it appears in an Atom feed (escaped HTML or markup).
_LINK = re.compile(r'\b(href|src)=(")([^"]*)"')
#: An Atom ``<updated>`` element, and the start of the first entry (the feed's own comes first).
_UPDATED = re.compile(r"<updated>([^<]*)</updated>")
_ENTRY = "<entry"


def _in_posts_dir(relative: str) -> bool:
    return relative.startswith(POSTS_DIR + "/")


def check_blog(project: Project) -> list[Problem]:
    """A post outside :data:`POSTS_DIR`: a ``{post}`` directive or ``blogpost: true``."""
    problems: list[Problem] = []
    for path in project.markdown_sources():
        relative = project.relative(path)
        if _in_posts_dir(relative):
            continue
        try:
            text = read_text(path, project.root)
            # front matter is parsed only where it may say so (parsing every page costs ~1 s)
            front = parse_front_matter(path, text, project.root) if "blogpost" in text else None
        except ProblemsFound as found:  # the file's own concern reports it too
            problems.extend(found.problems)
            continue
        if front is not None and front.data.get("blogpost") is True:
            problems.append(
                front.problem(
                    "blogpost",
                    f"'blogpost: true' outside the blog makes this page a post "
                    f"(allowed: posts under {POSTS_DIR}/)",
                )
            )
        for number, line in enumerate(text.splitlines(), start=1):
            if _POST_DIRECTIVE.match(line):
                problems.append(
                    Problem.at(
                        path,
                        number,
                        f"a {{post}} directive outside the blog makes this page a post "
                        f"(allowed: posts under {POSTS_DIR}/)",
                        project.root,
                    )
                )
    return problems


def stable_feed_updated(text: str) -> str:
    """The feed with its own ``<updated>`` set to its newest entry's (ISO 8601 times of one
    zone sort as text); unchanged when it has no entry to take a time from."""
    head_end = text.find(_ENTRY)
    if head_end < 0:
        return text
    entries = [match.group(1) for match in _UPDATED.finditer(text, head_end)]
    own = _UPDATED.search(text, 0, head_end)
    if not entries or own is None:
        return text
    newest = max(entries)
    return text[: own.start(1)] + newest + text[own.end(1) :]


def absolute_feed_links(feed: Path, page_url: str) -> bool:
    """Rewrite every relative ``href``/``src`` of ``feed`` against ``page_url`` (the address of
    the page ablog resolved them from), and date the feed by its newest entry; return whether
    the file changed."""
    text = feed.read_text(encoding="utf-8")

    def absolute(match: re.Match[str]) -> str:
        return f'{match.group(1)}={match.group(2)}{urljoin(page_url, match.group(3))}"'

    rewritten = stable_feed_updated(_LINK.sub(absolute, text))
    if rewritten == text:
        return False
    feed.write_text(rewritten, encoding="utf-8")
    return True
