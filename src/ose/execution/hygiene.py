"""Output hygiene: what an executed lesson printed that a learner should not have to read.

After a lesson runs, its outputs are inspected as its models are by the convergence guard:
anything written to stderr, a warning, a traceback, or a path of the machine that built the site
fails the lesson at the line of its cell, unless the lesson declares it as taught output
(``taught-output:`` in its front matter, one substring of the output an entry, as
``convergence-guard.expected-failures`` declares a model that fails on purpose). Like the guard,
the verdict is taken at every build, for cached lessons too: declaring an output re-executes
nothing, and a declaration that no output matches is an error (the lesson's text would be wrong).

The kernel's informational log (PyMC's "Initializing NUTS", "Sampling 4 chains") is not
printed at all, and warnings name no file of the build machine: :data:`KERNEL_SETUP` sees to
both before the first cell, so what remains is something to fix or to declare.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import nbformat

from ose.core.problems import Problem

#: Run silently in the kernel before the lesson's first cell. Each line fixes a cause of stray
#: output rather than muting output in general:
#: - a handler on the root logger before PyMC is imported: PyMC then leaves its logger alone
#:   instead of printing its INFO progress ("Initializing NUTS", "Sampling 4 chains"); its
#:   warnings still reach stderr, where the check sees them;
#: - warnings are printed without the file and line of the library that raised them, which are
#:   paths of the build machine;
#: - the kernels choose PyTensor's NumPy-based BLAS fallback on purpose where the machine has no
#:   BLAS to link (``blas__ldflags=``, see :mod:`ose.kernels`): PyTensor's notice that it uses
#:   it, printed when it compiles a product, is dropped, and nothing else of PyTensor's log;
#: - ArviZ titles its posterior plots in semibold, a weight matplotlib's only font, DejaVu Sans,
#:   does not have: its bold face is registered as the semibold one, which is what matplotlib
#:   falls back to anyway, with a warning on every such plot. It is done when the lesson first
#:   imports matplotlib's font manager, so that a lesson that draws nothing does not pay the
#:   second or so that importing matplotlib costs.
KERNEL_SETUP = """
def _ose_kernel_setup():
    import dataclasses, logging, os, warnings
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    logging.getLogger().addHandler(handler)
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    if any(part == "blas__ldflags=" for part in flags.split(",")):
        notice = "Using NumPy C-API based implementation for BLAS functions."
        logging.getLogger("pytensor.tensor.blas").addFilter(
            lambda record: record.getMessage() != notice
        )
    warnings.formatwarning = (
        lambda message, category, filename, lineno, line=None:
        f"{category.__name__}: {message}\\n"
    )
    import importlib.util, sys

    def semibold(font_manager):
        bold = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans", weight=700))
        faces = [f for f in font_manager.fontManager.ttflist if f.fname == bold]
        if faces and not any(f.name == "DejaVu Sans" and f.weight == 600
                             for f in font_manager.fontManager.ttflist):
            font_manager.fontManager.ttflist.append(dataclasses.replace(faces[0], weight=600))

    class FontManagerHook:
        # runs semibold() once matplotlib.font_manager has been imported
        def find_spec(self, name, path, target=None):
            if name != "matplotlib.font_manager":
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(name)
            load = spec.loader.exec_module
            def exec_module(module):
                load(module)
                semibold(module)
            spec.loader.exec_module = exec_module
            return spec

    if "matplotlib.font_manager" in sys.modules:
        semibold(sys.modules["matplotlib.font_manager"])
    else:
        sys.meta_path.insert(0, FontManagerHook())
_ose_kernel_setup()
del _ose_kernel_setup
"""

#: A Python warning as ``warnings`` prints it (``path:line: SomeWarning: text``), or a logged one.
_WARNING = re.compile(r"\b\w*Warning\b:|^WARNING\b|^WARN\b", re.M)
#: Text cells of an output that a reader sees.
_TEXT_KEYS = ("text/plain", "text/html", "text/markdown")


@dataclass(frozen=True)
class HygieneSettings:
    """What a lesson's front matter says of its output, with where it says it."""

    taught: tuple[str, ...] = ()
    #: the line of ``taught-output`` (or of the front matter), and of each entry
    line: int = 1
    item_lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class Stray:
    """One output a reader should not see: which code cell, what kind, its first line."""

    cell: int
    kind: str
    text: str


def _texts(output: nbformat.NotebookNode) -> Iterable[tuple[str, str]]:
    """``(kind, text)`` of each piece of one output that may hold something stray."""
    kind = output.get("output_type")
    if kind == "stream":
        yield ("stderr" if output.get("name") == "stderr" else "stdout"), "".join(output["text"])
    elif kind == "error":
        yield "error", f"{output.get('ename')}: {output.get('evalue')}"
    elif kind in ("execute_result", "display_data"):
        data = output.get("data", {})
        for key in _TEXT_KEYS:
            if key in data:
                value = data[key]
                yield "result", "".join(value) if isinstance(value, list) else str(value)


def _first_line(text: str, needle: str | None = None, limit: int = 120) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = next((item for item in lines if needle and needle in item), lines[0] if lines else "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def stray_outputs(notebook: nbformat.NotebookNode, machine_paths: Sequence[str]) -> list[Stray]:
    """Everything stray in an executed notebook's outputs, in order."""
    found: list[Stray] = []
    number = 0
    paths = [path for path in machine_paths if path and len(path) > 1]
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        number += 1
        taught_error = "raises-exception" in cell.get("metadata", {}).get("tags", [])
        for output in cell.get("outputs", []):
            for kind, text in _texts(output):
                leaked = next((path for path in paths if path in text), None)
                if leaked:
                    line = _first_line(text, leaked).replace(leaked, "<build machine path>")
                    found.append(Stray(number, "a path of the build machine", line))
                elif kind == "error":
                    if not taught_error:
                        found.append(Stray(number, "a traceback", _first_line(text)))
                elif kind != "result" and _WARNING.search(text):
                    found.append(Stray(number, "a warning", _first_line(text, "Warning")))
                elif kind == "stderr":
                    found.append(Stray(number, "to stderr", _first_line(text)))
    return found


def judge_output(
    strays: Sequence[Stray], settings: HygieneSettings, path: str, cell_lines: Sequence[int]
) -> list[Problem]:
    """One problem per stray output the lesson does not declare, and per declaration that
    matches nothing."""
    problems: list[Problem] = []
    used: set[int] = set()
    for stray in strays:
        matched = [i for i, taught in enumerate(settings.taught) if taught in stray.text]
        if matched:
            used.update(matched)
            continue
        line = cell_lines[stray.cell - 1] if 0 < stray.cell <= len(cell_lines) else 1
        problems.append(
            Problem(
                path,
                line,
                f"cell {stray.cell} wrote {stray.kind}: {stray.text!r} (allowed: fix its cause, "
                "or list a part of it under taught-output if the lesson teaches it)",
            )
        )
    for index, taught in enumerate(settings.taught):
        if index not in used:
            line = settings.item_lines[index] if index < len(settings.item_lines) else settings.line
            problems.append(
                Problem(
                    path,
                    line,
                    f"taught-output[{index}] {taught!r} matches no output of the lesson "
                    "(remove it: the lesson's text would describe output that is not there)",
                )
            )
    return problems
