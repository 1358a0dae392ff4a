"""What every published page gets at publish time: switcher, banner, canonical link, robots.

Versions are frozen builds of their own refs, which may predate any of this; so the version
chrome is injected into their HTML when the site is put together, not built into them. The
switcher is plain links computed from the page map (which pages each version has): it lands on
the same page in the other version when that page exists there, and on that version's home
otherwise, with no JavaScript, no HEAD requests and nothing fetched across origins.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from ose.versions.manifest import Manifest, Version

CHROME_DIR = "_versions"
_CANONICAL = re.compile(r"<link[^>]*rel=\"canonical\"[^>]*>\s*", re.I)
_ROBOTS = re.compile(r"<meta[^>]*name=\"robots\"[^>]*>\s*", re.I)
_HEAD_END = re.compile(r"</head>", re.I)
_BODY_START = re.compile(r"<body[^>]*>", re.I)
_NAVBAR_END = '<div class="navbar-header-items__end">'

STYLE = """\
.ose-version-banner{padding:.6rem 1rem;text-align:center;font-size:.95rem;
  background:#fff3cd;color:#3d2e00;border-bottom:1px solid #e0c868}
.ose-version-banner a{color:#1b4d72;font-weight:600}
.ose-version-banner.ose-dev{background:#e7f1fb;color:#0f2f4a;border-color:#9cc3e6}
.ose-version-switcher{position:relative;margin-right:.5rem;font-size:.9rem}
.ose-version-switcher>summary{cursor:pointer;list-style:none;padding:.3rem .7rem;
  border:1px solid var(--pst-color-border,#ccc);border-radius:.4rem;white-space:nowrap}
.ose-version-switcher>summary::-webkit-details-marker{display:none}
.ose-version-switcher ul{position:absolute;right:0;z-index:1050;margin:.3rem 0 0;padding:.3rem 0;
  list-style:none;min-width:12rem;background:var(--pst-color-background,#fff);
  border:1px solid var(--pst-color-border,#ccc);border-radius:.4rem;
  box-shadow:0 .3rem .8rem rgba(0,0,0,.15)}
.ose-version-switcher li a{display:block;padding:.3rem .9rem;text-decoration:none}
.ose-version-switcher li a[aria-current]{font-weight:700}
.ose-version-fallback{position:fixed;top:.5rem;right:.5rem;z-index:1050}
"""


def pages_of(html_dir: Path) -> set[str]:
    """Every page of a built version, as paths relative to its root."""
    return {
        path.relative_to(html_dir).as_posix()
        for path in html_dir.rglob("*.html")
        if not path.relative_to(html_dir).parts[0].startswith("_")
    }


def _up(page: str) -> str:
    """From a page inside a version folder to the site root."""
    return "../" * (page.count("/") + 1)


def _target(manifest: Manifest, name: str, page: str, pages: dict[str, set[str]]) -> str:
    """The page in version ``name`` when it exists there, else that version's home."""
    return f"{name}/{page}" if page in pages.get(name, set()) else f"{name}/"


def switcher_html(
    manifest: Manifest, current: Version, page: str, pages: dict[str, set[str]]
) -> str:
    up = _up(page)
    items = []
    for version in manifest.versions:
        href = up + _target(manifest, version.name, page, pages)
        tag = " (stable)" if version.preferred else ""
        mark = ' aria-current="true"' if version.name == current.name else ""
        label = html.escape(version.label + tag)
        items.append(f'<li><a href="{href}"{mark}>{label}</a></li>')
    summary = html.escape(current.label)
    return (
        '<details class="ose-version-switcher"><summary aria-label="Choose a version">'
        f"{summary} &#9662;</summary><ul>{''.join(items)}</ul></details>"
    )


def banner_html(manifest: Manifest, current: Version, page: str, pages: dict[str, set[str]]) -> str:
    stable = manifest.stable
    if current.preferred:
        return ""
    href = _up(page) + _target(manifest, stable.name, page, pages)
    link = f'<a href="{href}">{html.escape(stable.label)}</a>'
    if current.dev:
        text = (
            "You are reading the development version, built from the main branch. "
            f"The current release is {link}."
        )
        return f'<div class="ose-version-banner ose-dev" role="note">{text}</div>'
    text = (
        f"You are reading {html.escape(current.label)}, an older release. "
        f"The current release is {link}."
    )
    return f'<div class="ose-version-banner" role="note">{text}</div>'


def canonical_url(
    manifest: Manifest, current: Version, page: str, pages: dict[str, set[str]]
) -> str:
    """The stable page when stable has it, else this version's own page."""
    stable = manifest.stable.name
    if page in pages.get(stable, set()):
        return f"{manifest.base_url}stable/{page}"
    return f"{manifest.base_url}{current.name}/{page}"


def inject(
    text: str, manifest: Manifest, current: Version, page: str, pages: dict[str, set[str]]
) -> str:
    """The page with its version chrome (idempotent on a pristine page)."""
    text = _CANONICAL.sub("", text)
    text = _ROBOTS.sub("", text)
    head = [
        f'<link rel="canonical" href="{canonical_url(manifest, current, page, pages)}" />',
        f'<link rel="stylesheet" href="{_up(page)}{CHROME_DIR}/versions.css" />',
    ]
    if not current.preferred:
        head.append('<meta name="robots" content="noindex" />')
    text = _HEAD_END.sub(lambda _: "\n".join(head) + "\n</head>", text, count=1)
    switcher = switcher_html(manifest, current, page, pages)
    banner = banner_html(manifest, current, page, pages)
    if _NAVBAR_END in text:
        text = text.replace(_NAVBAR_END, _NAVBAR_END + switcher, 1)
    else:
        banner += f'<div class="ose-version-fallback">{switcher}</div>'
    return _BODY_START.sub(lambda match: match.group(0) + banner, text, count=1)


def switcher_json(manifest: Manifest) -> str:
    """The version list in pydata-sphinx-theme's switcher schema (URLs end in '/')."""
    entries = []
    for version in manifest.versions:
        entry: dict[str, object] = {
            "name": version.label + (" (stable)" if version.preferred else ""),
            "version": version.name,
            "url": manifest.url(version.name),
        }
        if version.preferred:
            entry["preferred"] = True
        entries.append(entry)
    return json.dumps(entries, indent=2) + "\n"


def root_redirect(manifest: Manifest) -> str:
    target = "stable/"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<title>PyMC Foundation</title><meta http-equiv="refresh" content="0; url={target}">'
        f'<link rel="canonical" href="{manifest.base_url}stable/"></head>'
        f'<body><p>The current release is at <a href="{target}">{target}</a>.</p></body></html>\n'
    )


def sitemap_index(manifest: Manifest, with_sitemap: list[str]) -> str:
    entries = "".join(
        f"<sitemap><loc>{manifest.base_url}{name}/sitemap.xml</loc></sitemap>"
        for name in with_sitemap
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}'
        "</sitemapindex>\n"
    )
