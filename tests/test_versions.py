"""Versions: the manifest's rules, and publishing a temporary repository's history."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from browser import PageWatch, open_browser, require_browser, serve
from conftest import IN_CI, make_fixture_site, run_cli
from ose.core.problems import ProblemsFound
from ose.versions.manifest import load_manifest


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def manifest_problems(tmp_path: Path, text: str, repo: Path | None = None) -> list[str]:
    path = tmp_path / "versions.yaml"
    path.write_text(text)
    try:
        load_manifest(path, tmp_path, repo)
    except ProblemsFound as found:
        return [str(p) for p in found.problems]
    return []


GOOD = (
    "versions:\n"
    "  - {name: dev, ref: main, dev: true}\n"
    "  - {name: '1.0', ref: main, preferred: true}\n"
)


def test_a_good_manifest_has_aliases(tmp_path):
    assert manifest_problems(tmp_path, GOOD) == []
    manifest = load_manifest(tmp_path / "versions.yaml")
    assert manifest.aliases == {"stable": "1.0", "latest": "dev"}
    assert manifest.url("1.0") == "/1.0/"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "versions:\n  - {name: a, ref: main, preferred: true}\n  - {name: a, ref: main}\n",
            "versions.yaml:3: duplicate version name 'a' (first at line 2)",
        ),
        (
            "versions:\n  - {name: a, ref: main}\n  - {name: b, ref: main}\n",
            "versions.yaml:1: exactly one version must be preferred: true (the stable release); "
            "found none",
        ),
        (
            "versions:\n  - {name: a, ref: main, preferred: true}\n"
            "  - {name: b, ref: main, preferred: true}\n",
            "versions.yaml:1: exactly one version must be preferred: true (the stable release); "
            "found a (line 2), b (line 3)",
        ),
        (
            "versions:\n  - {name: Stable, ref: main, preferred: true}\n",
            "versions.yaml:2: versions[0].name is 'Stable' (allowed: lower-case letters, digits, "
            "'.', '_', '-'; not _versions, latest, stable)",
        ),
        (
            "versions:\n  - {name: a, ref: main, preferred: true, colour: red}\n",
            "versions.yaml:2: versions[0].colour is not a known key "
            "(allowed: name, ref, label, preferred, dev)",
        ),
        ("versions: []\n", "versions.yaml:1: no versions (a list under 'versions:')"),
        (
            "versions:\n  - {name: a, preferred: true}\n",
            "versions.yaml:2: versions[0].ref is missing (required)",
        ),
    ],
)
def test_each_manifest_rule(tmp_path, text, expected):
    assert manifest_problems(tmp_path, text) == [expected]


def test_an_unknown_ref_is_reported(tmp_path):
    git(tmp_path, "init", "-q", "-b", "main")
    git(
        tmp_path,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "start",
    )
    text = GOOD + "  - {name: '0.9', ref: v0.9}\n"
    assert manifest_problems(tmp_path, text, repo=tmp_path) == [
        "versions.yaml:4: ref 'v0.9' of version '0.9' is not a commit in this repository "
        "(allowed: a commit SHA, a branch or a tag that exists)"
    ]


# -- publishing a real history ------------------------------------------------------------

NEW_PAGE = "# Only in dev\n\nA page that no release has yet.\n"


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A repository with two tagged releases and a main branch; the manifest pins 1.0 by its
    tag and 2.0 by its commit SHA (as the real manifest does: tags may be missing from a clone)."""
    repo = make_fixture_site(tmp_path_factory.mktemp("history") / "repo")
    (repo / ".gitignore").write_text("_build/\n")
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "release 1.0")
    git(repo, "tag", "v1.0")
    index = repo / "index.md"
    index.write_text(index.read_text().replace("A small site", "Release two of a small site"))
    v2 = commit(repo, "release 2.0")
    git(repo, "tag", "v2.0")
    (repo / "docs" / "only-dev.md").write_text(NEW_PAGE)
    index.write_text(index.read_text().replace("docs/blog\n", "docs/blog\ndocs/only-dev\n"))
    (repo / "versions.yaml").write_text(
        "base-url: https://example.org/site/\n"
        "versions:\n"
        "  - {name: dev, ref: main, label: dev, dev: true}\n"
        f"  - {{name: '2.0', ref: {v2}, label: '2.0', preferred: true}}\n"
        "  - {name: '1.0', ref: v1.0, label: '1.0'}\n"
    )
    commit(repo, "work on main")
    status, out, err = run_cli("--root", str(repo), "publish")
    assert status == 0, out + err
    return {"repo": repo, "out": out, "site": repo / "_build" / "site"}


def report_of(site: Path) -> dict[str, str]:
    data = json.loads((site / "_versions" / "report.json").read_text())
    return {entry["name"]: entry["action"] for entry in data["versions"]}


def test_every_version_is_built_and_published(history):
    site = history["site"]
    assert site.is_symlink()
    assert report_of(site) == {"dev": "built", "2.0": "built", "1.0": "built"}
    for name in ("dev", "2.0", "1.0", "stable", "latest"):
        assert (site / name / "lessons" / "table-and-figure.html").is_file(), name
    assert "Release two" in (site / "stable" / "index.html").read_text()
    assert "Release two" not in (site / "1.0" / "index.html").read_text()
    assert (site / "dev" / "docs" / "only-dev.html").is_file()
    assert not (site / "2.0" / "docs" / "only-dev.html").exists()


def test_switcher_json_follows_the_theme_schema(history):
    entries = json.loads((history["site"] / "switcher.json").read_text())
    assert [e["version"] for e in entries] == ["dev", "2.0", "1.0"]
    assert all(
        e["url"].endswith("/") and e["url"].startswith("https://example.org/site/") for e in entries
    )
    assert [e for e in entries if e.get("preferred")] == [
        {
            "name": "2.0 (stable)",
            "version": "2.0",
            "url": "https://example.org/site/2.0/",
            "preferred": True,
        }
    ]


def test_root_redirect_and_sitemap_index(history):
    site = history["site"]
    assert 'http-equiv="refresh" content="0; url=stable/"' in (site / "index.html").read_text()
    index = (site / "sitemap.xml").read_text()
    assert "<sitemapindex" in index
    assert "<loc>https://example.org/site/stable/sitemap.xml</loc>" in index
    stable_map = (site / "stable" / "sitemap.xml").read_text()
    assert "https://example.org/site/stable/lessons/table-and-figure.html" in stable_map


def test_pages_carry_canonical_robots_and_banners(history):
    site = history["site"]
    stable_url = "https://example.org/site/stable/lessons/table-and-figure.html"
    for name in ("dev", "1.0", "2.0"):
        page = (site / name / "lessons" / "table-and-figure.html").read_text()
        assert re.findall(r'<link rel="canonical" href="([^"]+)"', page) == [stable_url]
        noindex = '<meta name="robots" content="noindex"' in page
        assert noindex == (name != "2.0"), name
    assert "an older release" in (site / "1.0" / "index.html").read_text()
    assert "development version" in (site / "dev" / "index.html").read_text()
    assert "ose-version-banner" not in (site / "2.0" / "index.html").read_text()
    dev_only = (site / "dev" / "docs" / "only-dev.html").read_text()
    assert 'href="https://example.org/site/dev/docs/only-dev.html"' in dev_only


def test_the_switcher_keeps_the_page_or_falls_back_home(history):
    site = history["site"]
    lesson = (site / "dev" / "lessons" / "table-and-figure.html").read_text()
    assert 'href="../../2.0/lessons/table-and-figure.html"' in lesson
    assert 'href="../../1.0/lessons/table-and-figure.html"' in lesson
    dev_only = (site / "dev" / "docs" / "only-dev.html").read_text()
    assert 'href="../../2.0/"' in dev_only  # 2.0 has no such page: its home


def test_a_new_commit_on_main_rebuilds_only_dev(history):
    repo = history["repo"]
    page = repo / "docs" / "only-dev.md"
    page.write_text(NEW_PAGE + "\nA second paragraph, committed later.\n")
    commit(repo, "more work on main")
    status, out, err = run_cli("--root", str(repo), "publish")
    assert status == 0, out + err
    assert report_of(history["site"]) == {"dev": "built", "2.0": "reused", "1.0": "reused"}
    assert "committed later" in (history["site"] / "dev" / "docs" / "only-dev.html").read_text()


def test_a_failed_build_leaves_the_published_site_unchanged(history):
    repo, site = history["repo"], history["site"]
    before_target = site.resolve()
    before_page = (site / "dev" / "index.html").read_text()
    (repo / "docs" / "broken.md").write_text("# Broken\n\n{doc}`no-such-page`\n")
    commit(repo, "a broken page on main")
    status, _, err = run_cli("--root", str(repo), "publish")
    assert status == 1
    assert "error: version 'dev'" in err and "failed to build" in err
    assert site.resolve() == before_target
    assert (site / "dev" / "index.html").read_text() == before_page
    git(repo, "revert", "--no-edit", "HEAD")


def test_switching_versions_in_a_browser_keeps_the_lesson(history):
    chromium = require_browser(IN_CI)
    with serve(history["site"].resolve()) as base, open_browser(chromium) as browser:
        page = browser.new_page()
        watch = PageWatch()
        watch.attach(page)
        page.goto(base + "dev/lessons/table-and-figure.html", wait_until="networkidle")
        page.locator(".ose-version-switcher summary").first.click()
        page.locator(".ose-version-switcher a", has_text="2.0 (stable)").first.click()
        page.wait_for_url("**/2.0/lessons/table-and-figure.html")
        assert "Table and figure" in page.title()
        assert watch.page_errors == []
        assert watch.hosts == {"127.0.0.1"}
