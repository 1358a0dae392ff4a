"""A lesson's teaching markup as a learner's and an instructor's bundle carry it (no build)."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

from ose.workshops.bundle import BundleSpec, _budget_problem, calendar, write_zip
from ose.workshops.notebooks import Labels, transform_markdown

TEXT = """Intro.

:::{exercise} Sum
:name: sum-task
Add the numbers.

```python
numbers = [1, 2]
```
:::

::::{solution}
It is three.

:::{note}
A nested note stays inside the solution.
:::
::::

:::{instructor-note} Timing
Two minutes.
:::

```{code-cell} ipython3
:tags: [solution]
print(3)
```
"""


def test_a_learner_keeps_the_exercise_and_loses_solution_and_note():
    text = transform_markdown(TEXT, "learner", Labels("demo-first"))
    assert text == (
        "Intro.\n\n:::{exercise} Sum\n:label: sum-task\nAdd the numbers.\n\n```python\n"
        "numbers = [1, 2]\n```\n:::\n\n```{code-cell} ipython3\n:tags: [solution]\nprint(3)\n```"
    )


def test_an_instructor_gets_mystmd_forms_with_labels():
    text = transform_markdown(TEXT, "instructor", Labels("instructor-demo-first", "instructor-"))
    assert ":::{exercise} Sum\n:label: instructor-sum-task\n" in text
    assert "::::{solution} instructor-sum-task\nIt is three.\n\n:::{note}\n" in text
    assert ":::{admonition} Instructor note: Timing\n:class: tip instructor-note\nTwo minutes." in (
        text
    )
    assert "{instructor-note}" not in text


def test_an_exercise_without_a_name_is_numbered_and_a_lone_solution_is_an_admonition():
    labels = Labels("demo-first")
    text = transform_markdown(":::{exercise}\nA\n:::\n\n:::{exercise}\nB\n:::", "learner", labels)
    assert ":label: demo-first-exercise-1" in text and ":label: demo-first-exercise-2" in text
    lone = transform_markdown("::::{solution}\nC\n::::", "instructor", Labels("x"))
    assert lone == "::::{admonition} Solution\nC\n::::"


def test_zip_is_sorted_dated_and_0644(tmp_path: Path):
    target = tmp_path / "a.zip"
    content = write_zip(target, "top", {"b.txt": b"b", "a/c.txt": b"c"}, 1767225600)
    assert target.read_bytes() == content
    with zipfile.ZipFile(target) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["top/a/c.txt", "top/b.txt"]
    assert {i.date_time for i in infos} == {(2026, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}
    assert write_zip(tmp_path / "b.zip", "top", {"a/c.txt": b"c", "b.txt": b"b"}, 1767225600) == (
        content
    )


def test_the_budget_line_names_the_largest_files(tmp_path: Path):
    big = random.Random(0).randbytes(500_000)  # does not compress
    content = write_zip(tmp_path / "w.zip", "w", {"data/big.bin": big, "x.txt": b"x"}, 0)
    problem = _budget_problem("downloads/workshops/w-learner.zip", content, 100_000)
    assert str(problem) == (
        "downloads/workshops/w-learner.zip:0: the bundle is 0.5 MB, over the budget of 0.1 MB "
        "(largest: data/big.bin 0.5 MB, x.txt 0.0 MB; raise it with OSE_BUNDLE_MAX_MB or ose "
        "bundle --max-mb)"
    )
    assert _budget_problem("w.zip", content, len(content)) is None


def test_calendar_lines_are_crlf_folded_and_escaped():
    from datetime import UTC, datetime

    from ose.workshops.bundle import CalendarEvent

    spec = BundleSpec(
        slug="w",
        title="A; title, with commas",
        lessons=[],
        schedule_markdown="",
        events=[
            CalendarEvent(
                datetime(2027, 3, 1, 8, 20, tzinfo=UTC),
                datetime(2027, 3, 1, 8, 35, tzinfo=UTC),
                "x" * 100,
            )
        ],
    )
    text = calendar(spec, 1767225600).decode()
    assert "X-WR-CALNAME:A\\; title\\, with commas\r\n" in text
    assert "DTSTAMP:20260101T000000Z\r\n" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "SUMMARY:" + "x" * 67 + "\r\n " + "x" * 33 + "\r\n" in text
