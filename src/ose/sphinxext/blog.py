"""The blog's chrome: one index, posts that show where they belong, feeds with absolute links.

ablog writes its own "All posts" page at ``blog_path`` beside the site's index page
(:data:`~ose.blog.BLOG_INDEX`); that page becomes a pointer to the index. Posts and ablog's
archive pages sit in no toctree, so the theme's breadcrumb would show only "Home": they get the
blog as their parent. The templates folder (:data:`~ose.sphinxext.base.TEMPLATES_DIR`) overrides
ablog's recent-posts list and the theme's section navigation, which otherwise print a heading over
an empty list, and ablog's post card, whose list markup is invalid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from ose.blog import BLOG_INDEX, absolute_feed_links
from ose.sphinxext.base import metadata


def _is_blog_page(app: Sphinx, pagename: str) -> bool:
    """A post, or one of ablog's archive pages (year, category, tag, author)."""
    posts = getattr(app.env, "ablog_posts", {})
    return pagename in posts or pagename.startswith(app.config.blog_path + "/")


def _page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> str | None:
    context["ose_blog_index"] = BLOG_INDEX
    if pagename == app.config.blog_path and pagename != BLOG_INDEX:
        context["ose_redirect"] = context["pathto"](BLOG_INDEX)
        return "ose/blog-redirect.html"
    if pagename != BLOG_INDEX and _is_blog_page(app, pagename):
        context["parents"] = [{"link": context["pathto"](BLOG_INDEX), "title": "Blog"}]
    return None


def _absolute_feeds(app: Sphinx, exception: Exception | None) -> None:
    """Every Atom feed ablog wrote: links absolute, against the page each was resolved from."""
    if exception is not None or app.builder.format != "html" or not app.config.blog_baseurl:
        return
    base = app.config.blog_baseurl.rstrip("/") + "/"
    outdir = Path(app.outdir)
    for feed in sorted((outdir / app.config.blog_path).rglob("*.xml")):
        page = feed.parent.relative_to(outdir).as_posix()  # ablog resolves from <folder>.html
        absolute_feed_links(feed, base + page + app.builder.out_suffix)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ose.sphinxext.base")
    app.setup_extension("ablog")
    # before the theme renders the sidebars (500), which read ose_blog_index
    app.connect("html-page-context", _page_context, priority=400)
    app.connect("build-finished", _absolute_feeds)
    return metadata()
