"""``ose decision new|list|status|supersede|number`` and numbers that cannot collide."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, run_cli
from ose.decisions.lint import check_decisions
from ose.decisions.records import load_decisions, read_record
from ose.project import Project

DECISIONS = FIXTURES / "decisions"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The valid fixture records, the real template and the fixture roster."""
    root = tmp_path / "site"
    shutil.copytree(DECISIONS / "valid", root / "decisions")
    shutil.copy(REPO / "decisions" / "template.md", root / "decisions" / "template.md")
    (root / "governance").mkdir()
    shutil.copy(DECISIONS / "roster.yaml", root / "governance" / "roster.yaml")
    return root


def ose(root: Path, *args: str) -> tuple[int, str, str]:
    return run_cli("--root", str(root), "decision", *args)


def lint(root: Path) -> list[str]:
    return [str(problem) for problem in check_decisions(Project.at(root))]


def write_sections(path: Path, title: str, decision: str = "What we will do.") -> None:
    """What an author does after scaffolding: replace the template's guidance with text."""
    text = path.read_text()
    front = text[: text.index("\n---\n") + 5]
    path.write_text(
        f"{front}\n# {title}\n\n## Context\n\nWhy it matters now.\n\n## Decision\n\n"
        f"{decision}\n\n## Consequences\n\nWhat follows from it.\n"
    )


def test_new_scaffolds_a_draft_without_a_number(project):
    status, out, _ = ose(project, "new", "Adopt signed tags", "--tag", "releases")
    assert status == 0
    assert out.splitlines()[0] == (
        "created decisions/draft-adopt-signed-tags.md (status: proposed, no number yet)"
    )
    record = read_record(project / "decisions" / "draft-adopt-signed-tags.md")
    assert record.data["title"] == "Adopt signed tags"
    assert record.data["status"] == "proposed"
    assert record.data["date"] == date.today()
    assert record.data["proposed"] == date.today()
    assert record.data["tags"] == ["releases"]
    assert record.data["deciders"] == ["tsc"]
    assert "number" not in record.data
    assert [h.text for h in record.headings if h.level == 1] == ["Adopt signed tags"]
    # the template's sections are still to be written, and the lint says so
    problems = lint(project)
    assert len(problems) == 4
    assert all("is empty (allowed: a section with text" in p for p in problems)
    write_sections(project / "decisions" / "draft-adopt-signed-tags.md", "Adopt signed tags")
    assert lint(project) == []


def test_new_refuses_a_slug_that_is_taken(project):
    status, _, err = ose(project, "new", "Keep one pipeline!")
    assert status == 1
    assert err.splitlines() == [
        "decisions/0001-keep-one-pipeline.md:0: slug 'keep-one-pipeline' is taken by this "
        "record (choose another title)"
    ]


def test_new_refuses_a_long_title(project):
    status, _, err = ose(project, "new", "x" * 81)
    assert status == 1
    assert err.splitlines() == [
        "ose decision new:0: title is 81 characters long (allowed: 1 to 80)"
    ]


def test_list_filters_by_status(project):
    status, out, _ = ose(project, "list")
    assert status == 0
    assert [line.split()[0] for line in out.splitlines()] == ["0001", "0002", "0003", "draft"]
    status, out, _ = ose(project, "list", "--status", "superseded")
    assert out.splitlines() == ["0001   superseded 2026-11-24  Keep one pipeline"]
    status, out, _ = ose(project, "list", "--status", "withdrawn")
    assert out.splitlines() == ["no decision records with status withdrawn"]


def test_status_follows_the_lifecycle(project):
    status, _, _ = ose(project, "status", "draft-sign-every-release", "accepted")
    assert status == 0
    record = read_record(project / "decisions" / "draft-sign-every-release.md")
    assert (record.data["status"], record.data["date"]) == ("accepted", date.today())
    status, _, err = ose(project, "status", "2", "rejected")
    assert status == 1
    assert err.splitlines() == [
        "decisions/0002-keep-one-pipeline-per-language.md:0: status 'accepted' cannot become "
        "'rejected' (allowed: deprecated)"
    ]
    status, _, err = ose(project, "status", "0003", "accepted")
    assert err.splitlines() == [
        "decisions/0003-drop-the-nightly-build.md:0: status 'rejected' cannot become "
        "'accepted' (allowed: none, it is final)"
    ]


def test_supersede_updates_both_files(project):
    ose(project, "status", "draft-sign-every-release", "accepted")
    status, out, _ = ose(project, "supersede", "2", "draft-sign-every-release")
    assert status == 0
    assert out.splitlines() == [
        "decisions/0002-keep-one-pipeline-per-language.md: superseded by "
        "decisions/draft-sign-every-release.md",
        "decisions/draft-sign-every-release.md: supersedes "
        "decisions/0002-keep-one-pipeline-per-language.md",
    ]
    old = read_record(project / "decisions" / "0002-keep-one-pipeline-per-language.md")
    new = read_record(project / "decisions" / "draft-sign-every-release.md")
    assert old.data["status"] == "superseded"
    assert old.data["date"] == date.today()
    assert old.data["superseded-by"] == ["draft-sign-every-release"]
    assert new.data["supersedes"] == [2]
    assert lint(project) == []


def test_supersede_needs_an_accepted_successor(project):
    status, _, err = ose(project, "supersede", "2", "draft-sign-every-release")
    assert status == 1
    assert err.splitlines() == [
        "decisions/draft-sign-every-release.md:0: status is 'proposed'; accept it before it "
        "supersedes another record (ose decision status draft-sign-every-release accepted)"
    ]


def test_number_renames_decided_drafts_and_keeps_links(project):
    ose(project, "status", "draft-sign-every-release", "accepted")
    ose(project, "supersede", "2", "draft-sign-every-release")
    other = project / "decisions" / "0003-drop-the-nightly-build.md"
    other.write_text(
        other.read_text() + "\nSee {doc}`draft-sign-every-release` and "
        "{doc}`/decisions/draft-sign-every-release`.\n"
    )
    status, out, _ = ose(project, "number")
    assert status == 0
    assert out.splitlines() == [
        "decisions/draft-sign-every-release.md -> decisions/0004-sign-every-release.md"
    ]
    assert not (project / "decisions" / "draft-sign-every-release.md").exists()
    numbered = read_record(project / "decisions" / "0004-sign-every-release.md")
    assert numbered.data["number"] == 4
    assert numbered.data["supersedes"] == [2]
    assert [h.text for h in numbered.headings if h.level == 1] == ["4. Sign every release"]
    old = read_record(project / "decisions" / "0002-keep-one-pipeline-per-language.md")
    assert old.data["superseded-by"] == [4]
    assert other.read_text().endswith(
        "See {doc}`0004-sign-every-release` and {doc}`/decisions/0004-sign-every-release`.\n"
    )
    assert lint(project) == []


def test_number_leaves_proposals_alone(project):
    status, out, _ = ose(project, "number")
    assert (status, out) == (0, "no decided drafts to number\n")
    assert (project / "decisions" / "draft-sign-every-release.md").exists()


def test_number_refuses_to_touch_broken_records(project):
    path = project / "decisions" / "0003-drop-the-nightly-build.md"
    path.write_text(path.read_text().replace("status: rejected", "status: approved"))
    status, _, err = ose(project, "number")
    assert status == 1
    assert err.splitlines() == [
        "decisions/0003-drop-the-nightly-build.md:4: status is 'approved' (allowed: proposed, "
        "accepted, rejected, withdrawn, superseded, deprecated)"
    ]


# -- two pull requests opened at once ------------------------------------------------------


def git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def repo(project: Path) -> Path:
    """The project as a git repository with one commit on main."""
    assert git(project, "init", "-q", "-b", "main").returncode == 0
    git(project, "add", "-A")
    assert git(project, "commit", "-q", "-m", "records").returncode == 0
    return project


def draft_on_branch(
    repo: Path, branch: str, title: str, number_it: bool = False, decision: str = "We will."
) -> str:
    """What one pull request does: scaffold, write, accept after the vote, commit."""
    assert git(repo, "switch", "-q", "-c", branch, "main").returncode == 0
    status, out, _ = ose(repo, "new", title)
    assert status == 0
    name = out.split()[1]
    write_sections(repo / name, title, decision)
    assert ose(repo, "status", Path(name).stem, "accepted")[0] == 0
    if number_it:
        assert ose(repo, "number")[0] == 0
    git(repo, "add", "-A")
    assert git(repo, "commit", "-q", "-m", title).returncode == 0
    return name


def test_two_drafts_from_two_branches_merge_without_a_clash(repo):
    first = draft_on_branch(repo, "signed-tags", "Adopt signed tags")
    second = draft_on_branch(repo, "changelog", "Publish a changelog")
    assert (first, second) == (
        "decisions/draft-adopt-signed-tags.md",
        "decisions/draft-publish-a-changelog.md",
    )
    git(repo, "switch", "-q", "main")
    assert git(repo, "merge", "-q", "--no-edit", "signed-tags").returncode == 0
    merged = git(repo, "merge", "-q", "--no-edit", "changelog")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert lint(repo) == []
    # after the merges, main numbers them, one run at a time
    status, out, _ = ose(repo, "number")
    assert status == 0
    assert out.splitlines() == [
        "decisions/draft-adopt-signed-tags.md -> decisions/0004-adopt-signed-tags.md",
        "decisions/draft-publish-a-changelog.md -> decisions/0005-publish-a-changelog.md",
    ]
    assert lint(repo) == []
    numbers = [r.number for r in load_decisions(repo) if r.number is not None]
    assert numbers == [1, 2, 3, 4, 5]


def test_numbering_on_branches_would_collide_silently(repo):
    """Why numbers are given on main: git merges two 0004s without a conflict."""
    draft_on_branch(repo, "signed-tags", "Adopt signed tags", number_it=True)
    draft_on_branch(repo, "changelog", "Publish a changelog", number_it=True)
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-edit", "signed-tags")
    assert git(repo, "merge", "-q", "--no-edit", "changelog").returncode == 0
    assert lint(repo) == [
        "decisions/0004-publish-a-changelog.md:2: number 4 is also used by "
        "decisions/0004-adopt-signed-tags.md (allowed: each number once)"
    ]


def test_the_same_title_on_two_branches_is_a_git_conflict(repo):
    draft_on_branch(repo, "one", "Adopt signed tags", decision="Sign tags with GPG.")
    draft_on_branch(repo, "two", "Adopt signed tags", decision="Sign tags with Sigstore.")
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-edit", "one")
    merged = git(repo, "merge", "-q", "--no-edit", "two")
    assert merged.returncode != 0
    assert "CONFLICT (add/add)" in merged.stdout


def test_edits_keep_comments_order_and_body():
    from ose.decisions.edit import set_fields

    text = (
        "---\n"
        "title: 'Keep: one pipeline'\n"
        "# a comment the author wrote\n"
        "status: accepted\n"
        "deciders:\n"
        "  - tsc\n"
        "  - board\n"
        "tags: [ci]\n"
        "---\n\n# Keep: one pipeline\n"
    )
    edited = set_fields(text, {"deciders": ["tsc"], "superseded-by": [4], "number": 3})
    assert edited == (
        "---\n"
        "number: 3\n"
        "title: 'Keep: one pipeline'\n"
        "# a comment the author wrote\n"
        "status: accepted\n"
        "deciders: [tsc]\n"
        "tags: [ci]\n"
        "superseded-by: [4]\n"
        "---\n\n# Keep: one pipeline\n"
    )


def test_an_unknown_record_is_one_line(project):
    status, _, err = ose(project, "status", "99", "accepted")
    assert status == 1
    assert err.splitlines() == [
        "decisions:0: no decision record '99' (known: 1, 2, 3, draft-sign-every-release)"
    ]
