"""Output hygiene: stray output (stderr, warnings, tracebacks, the build machine's paths) fails
a lesson at its cell's line unless the lesson declares it as taught output."""

from __future__ import annotations

import nbformat
import pytest

from conftest import build_site, make_fixture_site, run_ose
from ose.execution.hygiene import HygieneSettings, Stray, judge_output, stray_outputs


def _notebook(*cells: tuple[list[dict[str, object]], list[str]]) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    for outputs, tags in cells:
        cell = nbformat.v4.new_code_cell("pass", metadata={"tags": tags})
        cell.outputs = [nbformat.from_dict(output) for output in outputs]
        notebook.cells.append(cell)
    return notebook


def stream(name: str, text: str) -> dict[str, object]:
    return {"output_type": "stream", "name": name, "text": text}


def test_every_kind_of_stray_output_is_found_with_its_cell():
    notebook = _notebook(
        ([stream("stdout", "mean 3.1\n")], []),
        ([stream("stderr", "Sampling 4 chains\nmore\n")], []),
        ([stream("stdout", "/x/y.py:3: FutureWarning: old API\n  warn()\n")], []),
        ([{"output_type": "error", "ename": "ValueError", "evalue": "bad", "traceback": []}], []),
        ([{"output_type": "error", "ename": "ValueError", "evalue": "ok", "traceback": []}],
         ["raises-exception"]),
        ([{"output_type": "execute_result", "execution_count": 1, "metadata": {},
           "data": {"text/plain": "saved to /home/builder/site/out.nc"}}], []),
    )  # fmt: skip
    assert stray_outputs(notebook, ["/home/builder/site/"]) == [
        Stray(2, "to stderr", "Sampling 4 chains"),
        Stray(3, "a warning", "/x/y.py:3: FutureWarning: old API"),
        Stray(4, "a traceback", "ValueError: bad"),
        Stray(6, "a path of the build machine", "saved to <build machine path>out.nc"),
    ]


def test_declared_output_passes_and_a_declaration_matching_nothing_fails():
    strays = [Stray(1, "a warning", "UserWarning: The rhat statistic is larger than 1.01")]
    settings = HygieneSettings(
        taught=("rhat statistic", "never printed"), line=5, item_lines=(6, 7)
    )
    problems = judge_output(strays, settings, "lesson.md", [10])
    assert [str(p) for p in problems] == [
        "lesson.md:7: taught-output[1] 'never printed' matches no output of the lesson (remove "
        "it: the lesson's text would describe output that is not there)"
    ]
    problems = judge_output(strays, HygieneSettings(), "lesson.md", [10])
    assert [str(p) for p in problems] == [
        "lesson.md:10: cell 1 wrote a warning: 'UserWarning: The rhat statistic is larger than "
        "1.01' (allowed: fix its cause, or list a part of it under taught-output if the lesson "
        "teaches it)"
    ]


LESSON = """---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {name: pymc-cpu, display_name: PyMC, language: python}
orphan: true
DECLARATION
---

# A lesson that warns

```{code-cell} ipython3
print("clean output")
```

```{code-cell} ipython3
import warnings

warnings.warn("this API is going away", FutureWarning, stacklevel=1)
```
"""


@pytest.mark.site
def test_a_lesson_that_warns_fails_at_its_cell_until_it_declares_the_warning(tmp_path):
    lesson = "lessons/warns.md"
    root = make_fixture_site(tmp_path / "site", {lesson: LESSON.replace("DECLARATION\n", "")})
    built = build_site(root)
    assert built.status == 1
    line = LESSON.replace("DECLARATION\n", "").splitlines().index("```{code-cell} ipython3", 12)
    assert (
        f"{lesson}:{line + 1}: cell 2 wrote a warning: "
    ) in built.err and "FutureWarning: this API is going away" in built.err
    # declared as taught: the same cached run now passes, without executing again
    declared = LESSON.replace("DECLARATION", "taught-output: [this API is going away]")
    (root / lesson).write_text(declared, encoding="utf-8")
    again = build_site(root)
    assert again.status == 0, again.err
    assert "executed 0 of" in again.err + again.out


def test_taught_output_must_be_a_list_of_texts(tmp_path, capsys):
    lesson = "lessons/warns.md"
    text = LESSON.replace("DECLARATION", "taught-output: 3")
    root = make_fixture_site(tmp_path / "site", {lesson: text})
    status, _out, err = run_ose(["--root", str(root), "check"], capsys)
    assert status == 1
    assert err.splitlines()[0] == (
        f"{lesson}:6: taught-output is 3 (allowed: a list of non-empty texts, each a part of an "
        "output that the lesson teaches, e.g. a warning it explains)"
    )


def test_the_kernel_set_up_registers_semibold_only_once_matplotlib_is_imported():
    """A lesson that draws nothing does not import matplotlib; one that plots an ArviZ-style
    semibold title gets no findfont message on stderr."""
    import subprocess
    import sys

    from ose.execution.hygiene import KERNEL_SETUP

    probe = KERNEL_SETUP + (
        "import sys\n"
        "print('matplotlib before:', 'matplotlib' in sys.modules)\n"
        "import matplotlib\n"
        "matplotlib.use('Agg')\n"
        "import matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots()\n"
        "ax.set_title('posterior', fontweight='semibold')\n"
        "fig.savefig(__import__('io').BytesIO())\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "matplotlib before: False" in result.stdout
    assert "findfont" not in result.stderr
