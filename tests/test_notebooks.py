from pathlib import Path

from ose.execution import notebooks
from ose.execution.notebooks import (
    DEFAULT_CELL_TIMEOUT,
    check_notebooks,
    code_cell_lines,
    find_notebooks,
    read_notebook,
)
from ose.project import Project

LESSON = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  name: {kernel}
  display_name: x
  language: python
{extra}---

# A lesson

```{{code-cell}} ipython3
x = 1
```

Some text.

```{{code-cell}} ipython3
:tags: [hide-input]
print(x)
```
"""


def site(tmp_path: Path, kernel: str = "pymc-cpu", extra: str = "") -> Project:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "conf.py").write_text("")
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "a.md").write_text(LESSON.format(kernel=kernel, extra=extra))
    (tmp_path / "page.md").write_text("# Not a notebook\n")
    return Project.at(tmp_path)


def messages(project: Project) -> list[str]:
    return [str(p) for p in check_notebooks(project)]


def test_notebooks_are_found_with_their_settings(tmp_path):
    project = site(tmp_path, extra="mystnb:\n  execution_timeout: 42\n")
    (source,) = find_notebooks(project)
    assert source.path == tmp_path / "lessons" / "a.md"
    assert source.kernel == "pymc-cpu"
    assert source.timeout == 42
    assert source.cwd == tmp_path / "lessons"


def test_default_timeout_is_generous(tmp_path):
    (source,) = find_notebooks(site(tmp_path))
    assert source.timeout == DEFAULT_CELL_TIMEOUT >= 300


def test_unknown_kernel(tmp_path):
    assert messages(site(tmp_path, kernel="python3")) == [
        "lessons/a.md:6: kernelspec.name is 'python3', not a kernel of the build "
        "(allowed: pymc-cpu, pymc-jax)"
    ]


def test_bad_timeout(tmp_path):
    project = site(tmp_path, extra="mystnb:\n  execution_timeout: -5\n")
    assert messages(project) == [
        "lessons/a.md:9: mystnb.execution_timeout is -5 (allowed: a positive number of seconds)"
    ]


def test_guard_settings_are_validated(tmp_path):
    project = site(
        tmp_path,
        extra="convergence-guard:\n  ess-floor: 0\n  expected-failures: idata\n  tolerance: 2\n",
    )
    assert messages(project) == [
        "lessons/a.md:10: convergence-guard.ess-floor is 0 (allowed: a positive number)",
        "lessons/a.md:11: convergence-guard.expected-failures is 'idata' (allowed: a list)",
        "lessons/a.md:12: convergence-guard.tolerance is not a known key "
        "(allowed: expected-failures, ess-floor)",
    ]


def test_guard_settings_reach_the_source(tmp_path):
    project = site(
        tmp_path, extra="convergence-guard:\n  ess-floor: 200\n  expected-failures: [bad]\n"
    )
    (source,) = find_notebooks(project)
    assert source.guard.ess_floor == 200
    assert source.guard.expected_failures == ("bad",)
    # where the guard reports an entry, and a model whose cell is unknown
    assert (source.guard.line, source.guard.failure_lines) == (9, (11,))


def test_guard_entries_have_their_own_lines(tmp_path):
    extra = "convergence-guard:\n  expected-failures:\n    - traces\n    - fits['pooled']\n"
    (source,) = find_notebooks(site(tmp_path, extra=extra))
    assert source.guard.expected_failures == ("traces", "fits['pooled']")
    assert source.guard.failure_lines == (11, 12)


def test_read_as_myst_nb_reads_it(tmp_path):
    project = site(tmp_path)
    path = project.root / "lessons" / "a.md"
    notebook = read_notebook(path)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert [c.source for c in code] == ["x = 1", "print(x)"]
    assert code[1].metadata["tags"] == ["hide-input"]
    assert notebook.metadata["kernelspec"]["name"] == "pymc-cpu"
    # the source map gives the 1-based line of each code cell's fence
    starts = [
        notebook.metadata["source_map"][i]
        for i, c in enumerate(notebook.cells)
        if c.cell_type == "code"
    ]
    assert starts == [13, 19]
    assert code_cell_lines(notebook) == [13, 19]


def test_a_kernelspec_without_the_jupytext_header_is_an_error(tmp_path):
    project = site(tmp_path)
    path = project.root / "lessons" / "a.md"
    path.write_text(
        path.read_text().replace("jupytext:\n  text_representation:\n    format_name: myst\n", "")
    )
    assert messages(project) == [
        "lessons/a.md:2: a kernelspec without the jupytext header: myst-nb would not execute "
        "this file (add jupytext: {text_representation: {extension: .md, format_name: myst}})"
    ]


def test_what_a_lesson_needs_reaches_the_source(tmp_path):
    (source,) = find_notebooks(
        site(tmp_path, kernel="pymc-jax", extra="cores: 4\ncpu-fallback: false\n")
    )
    assert (source.cores, source.cpu_fallback, source.needs_gpu) == (4, False, True)
    assert source.accelerator_line == 10  # a refused GPU lesson is reported at its cpu-fallback
    (plain,) = find_notebooks(site(tmp_path / "plain"))
    assert (plain.cores, plain.cpu_fallback, plain.needs_gpu) == (1, True, False)


def test_cores_and_cpu_fallback_are_validated(tmp_path):
    cores = (
        "(allowed: a whole number from 1 to 256, the cores the lesson's sampler keeps busy at once)"
    )
    fallback = (
        "(allowed: true or false, whether a GPU lesson may run on CPU JAX where no GPU is present)"
    )
    for value, shown in (
        ("0", "0"),
        ("two", "'two'"),
        ("true", "True"),
        ("1.5", "1.5"),
        ("999", "999"),
    ):
        assert messages(site(tmp_path / value, extra=f"cores: {value}\n")) == [
            f"lessons/a.md:9: cores is {shown} {cores}"
        ]
    assert messages(site(tmp_path / "fallback", extra="cpu-fallback: yes please\n")) == [
        f"lessons/a.md:9: cpu-fallback is 'yes please' {fallback}"
    ]


def _content(notebook) -> list[tuple[str, str, dict]]:
    """What a read notebook says, without the cell ids nbformat draws at random."""
    return [
        (notebook.metadata["source_map"], notebook.metadata["kernelspec"]),
        *[(c.cell_type, c.source, dict(c.metadata)) for c in notebook.cells],
    ]


def test_a_notebook_kept_between_builds_is_the_one_myst_nb_reads(tmp_path, monkeypatch):
    """``ose build`` keeps parsed notebooks under its cache folder; an edit gives a new one,
    and a kept file that cannot be read is read from the text again."""
    project = site(tmp_path / "site")
    monkeypatch.setenv("OSE_CACHE_DIR", str(tmp_path / "cache"))
    path = project.root / "lessons" / "a.md"
    fresh = notebooks._parse(path)
    (kept,) = (tmp_path / "cache" / "notebooks").glob("*.pickle")
    assert notebooks._parse(path) == fresh  # the kept one, ids and all

    path.write_text(path.read_text().replace("x = 1", "x = 2"))
    code = [c.source for c in notebooks._parse(path).cells if c.cell_type == "code"]
    assert code == ["x = 2", "print(x)"]
    assert len(list((tmp_path / "cache" / "notebooks").glob("*.pickle"))) == 2

    path.write_text(path.read_text().replace("x = 2", "x = 1"))
    kept.write_bytes(b"not a pickle")
    assert _content(notebooks._parse(path)) == _content(fresh)
