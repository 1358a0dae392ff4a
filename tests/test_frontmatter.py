from pathlib import Path

import pytest

from ose.core.frontmatter import parse_front_matter
from ose.core.problems import Problem, ProblemsFound


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "page.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_keys_carry_their_line(tmp_path):
    path = write(tmp_path, "---\ntitle: A\nstatus: draft\nowner: tsc\n---\n# A\n")
    front = parse_front_matter(path)
    assert front.data == {"title": "A", "status": "draft", "owner": "tsc"}
    assert front.key_lines == {"title": 2, "status": 3, "owner": 4}
    assert front.line_of("missing") == 1
    assert front.body == "# A\n"
    assert front.body_start_line == 6


def test_no_front_matter_is_empty(tmp_path):
    front = parse_front_matter(write(tmp_path, "# Just a page\n"))
    assert front.data == {}
    assert front.start_line == 0


def test_malformed_yaml_points_at_its_line(tmp_path):
    path = write(tmp_path, "---\ntitle: A\nstatus: [draft\nowner: tsc\n---\n")
    with pytest.raises(ProblemsFound) as caught:
        parse_front_matter(path, root=tmp_path)
    (problem,) = caught.value.problems
    assert problem.path == "page.md"
    assert problem.line == 4
    assert str(problem).startswith("page.md:4: front matter is not valid YAML (")


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("tags:\n\t- a", 4, "found character '\\t' that cannot start any token"),
        ("owner: @tsc", 3, "found character '@' that cannot start any token"),
        ("status: draft: yes", 3, "mapping values are not allowed here"),
    ],
)
def test_a_yaml_error_names_what_is_wrong(tmp_path, text, where, message):
    """libyaml reads the files (fast), but its messages leave the character out: a file it
    refuses is read again for the message the pure-Python reader gives."""
    path = write(tmp_path, f"---\ntitle: A\n{text}\n---\n")
    with pytest.raises(ProblemsFound) as caught:
        parse_front_matter(path, root=tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        f"page.md:{where}: front matter is not valid YAML ({message})"
    ]


def test_front_matter_must_be_a_mapping(tmp_path):
    with pytest.raises(ProblemsFound) as caught:
        parse_front_matter(write(tmp_path, "---\n- a\n- b\n---\n"), root=tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        "page.md:2: front matter must be a mapping of keys to values"
    ]


def test_problem_formats_as_path_line_message():
    assert str(Problem("a/b.md", 7, "wrong (allowed: x)")) == "a/b.md:7: wrong (allowed: x)"


def test_an_impossible_date_points_at_its_key(tmp_path):
    path = write(tmp_path, "---\ntitle: A\nnext-review: 2027-13-01\n---\n")
    with pytest.raises(ProblemsFound) as caught:
        parse_front_matter(path, root=tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        "page.md:3: next-review 2027-13-01 is not a real date: month must be in 1..12 "
        "(allowed: an ISO date, YYYY-MM-DD)"
    ]
