"""What the execution stage left, on the site: badges, the report and the executed notebooks.

Each lesson page gets its "verified with" badge from the execution records, and links to its
executed notebook (download, Colab, Binder), written next to the page after the build;
``{execution-report}`` shows every lesson's last run with its guard figures.

Records change without their lesson's source changing (an upgrade re-executes every lesson), so,
as myst-nb's ``nb-exec-table`` does, the page holds placeholders that are filled when the page is
written (``doctree-resolved``), and a changed record marks the pages that show it for writing
again.
"""

from __future__ import annotations

import posixpath
import shutil
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ose.core.problems import Problem
from ose.curriculum.model import Lesson
from ose.curriculum.verification import Verification, guard_figures, guard_verdict, verify
from ose.execution.export import published_notebook, write_notebook
from ose.execution.records import ExecutionRecord, load_records
from ose.sphinxext.base import metadata
from ose.sphinxext.courses import CONCERN, curriculum_of, lesson_of, project_of, show_lessons
from ose.sphinxext.nodes import Cell, bullet_list, resolved_link, table
from ose.sphinxext.problems import ConcernDirective, warn
from ose.sphinxext.state import ose_state

RECORDS = "execution-records"
#: Pages that hold an execution report: written again when any record changes.
REPORTS = "execution-reports"

COLAB = "https://colab.research.google.com/github/{repository}/blob/{branch}/{path}"
BINDER = "https://mybinder.org/v2/gh/{repository}/{branch}?labpath={path}"


class verified_badge(nodes.General, nodes.Element):
    """Placeholder for a lesson's "verified with" badge, filled when the page is written."""


class lesson_launch(nodes.General, nodes.Element):
    """Placeholder for the download, Colab and Binder links of a lesson."""


class execution_report(nodes.General, nodes.Element):
    """Placeholder for the site-wide table of execution records."""


def records_of(env: BuildEnvironment) -> dict[str, ExecutionRecord]:
    return cast(dict[str, ExecutionRecord], ose_state(env).facts(RECORDS) or {})


def _read(app: Sphinx) -> None:
    ose_state(app.env).set_facts(RECORDS, load_records(project_of(app).records_path))


def _records_changed(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Lessons whose execution record changed since their page was written, and the reports."""
    state = ose_state(env)
    stamps: dict[str, str] = state.stamp("records", {})
    records = records_of(env)
    current = {
        docname: records[lesson.path].model_dump_json() if lesson.path in records else ""
        for docname, lesson in curriculum_of(env).lessons.items()
    }
    changed = {docname for docname, stamp in current.items() if stamps.get(docname) != stamp}
    state.set_stamp("records", current)
    if changed or set(stamps) != set(current):
        changed.update(state.pages(REPORTS))
    return sorted(docname for docname in changed if docname in env.found_docs)


# -- read time: placeholders -------------------------------------------------------------------


class ExecutionReportDirective(ConcernDirective):
    """``{execution-report}``: every lesson's last execution, with its guard figures."""

    concern = CONCERN
    has_content = False

    def run(self) -> list[nodes.Node]:
        ose_state(self.env).note_page(REPORTS, self.env.current_document.docname)
        show_lessons(self.env, curriculum_of(self.env).lessons.values())
        return [execution_report()]


def add_lesson_placeholders(app: Sphinx, doctree: nodes.document) -> None:
    """End a lesson's header (see :mod:`ose.sphinxext.courses`) with its badge and links."""
    docname = app.env.current_document.docname
    if lesson_of(app.env, docname) is None:
        return
    for header in doctree.findall(nodes.container):
        if "lesson-meta" in header["classes"]:
            header += verified_badge(docname=docname)
            header += lesson_launch(docname=docname)
            return


# -- write time: what the placeholders become --------------------------------------------------


def badge_nodes(verification: Verification) -> nodes.container:
    """The "verified with" badge of one lesson."""
    badge = nodes.container(classes=["verified-badge", f"verified-{verification.status}"])
    if verification.status == "missing":
        text = (
            "Not verified: this page was built without an execution record for the lesson "
            "(ose build executes every lesson and records the run)."
        )
        badge += nodes.paragraph(text, text)
        return badge
    label, verb = ("Verified:", "executed") if verification.status == "ok" else ("Failed:", "ran")
    seconds = f"{verification.seconds:.1f} s" if verification.seconds is not None else "n/a"
    badge += nodes.paragraph(
        "",
        "",
        nodes.strong(label, label),
        nodes.Text(
            f" {verb} {verification.executed_at} on {verification.device} "
            f"with {verification.versions_text}, in {seconds}."
        ),
    )
    if verification.device_note:
        badge += nodes.paragraph(
            verification.device_note, verification.device_note, classes=["verified-device-note"]
        )
    if verification.error:
        badge += nodes.paragraph("", "", nodes.literal(verification.error, verification.error))
    if verification.guards:
        items = [
            nodes.inline(
                "",
                "",
                nodes.literal(guard.model, guard.model),
                nodes.Text(f": {guard_figures(guard)}; {guard_verdict(guard)}"),
            )
            for guard in verification.guards
        ]
        badge += nodes.paragraph("", "Convergence guard (every sampled model):")
        badge += bullet_list(items)
    else:
        badge += nodes.paragraph("", "Convergence guard: no sampled model was recorded.")
    output = {
        "clean": "Output: clean (no warning, stderr, traceback or build-machine path).",
    }.get(verification.output_text, f"Output: {verification.output_text} (see taught-output).")
    badge += nodes.paragraph(output, output, classes=["verified-output"])
    return badge


def _published_path(app: Sphinx, docname: str) -> str:
    prefix = app.config.curriculum_published_path.strip("/")
    return posixpath.join(prefix, f"{docname}.ipynb") if prefix else f"{docname}.ipynb"


def _published_models(app: Sphinx, docname: str) -> list[tuple[str, int, str]]:
    """``(file name beside the page, bytes, source path)`` of each sampled model's netCDF."""
    lesson = lesson_of(app.env, docname)
    record = records_of(app.env).get(lesson.path) if lesson else None
    stem = posixpath.basename(docname)
    return [
        (f"{stem}.{posixpath.basename(item.path)}", item.bytes, item.path)
        for item in (record.inferencedata if record else [])
    ]


def models_nodes(app: Sphinx, docname: str) -> list[nodes.Node]:
    """Links to each sampled model as netCDF: explore the posterior without sampling."""
    files = _published_models(app, docname)
    if not files:
        return []
    paragraph = nodes.paragraph(classes=["lesson-models"])
    paragraph += nodes.Text("Explore without sampling: the InferenceData of ")
    paragraph += nodes.Text("each model, for " if len(files) > 1 else "its model, for ")
    paragraph += nodes.literal("az.from_netcdf", "az.from_netcdf")
    paragraph += nodes.Text(": ")
    for index, (name, size, _source) in enumerate(files):
        if index:
            paragraph += nodes.Text(", ")
        label = (
            f"{name} ({size / 1024 / 1024:.1f} MB)"
            if size >= 100_000
            else (f"{name} ({size / 1024:.0f} KB)")
        )
        paragraph += nodes.raw(
            "",
            f'<a class="reference download" href="{quote(name)}" download="{name}">{label}</a>',
            format="html",
        )
    return [paragraph]


def launch_nodes(app: Sphinx, docname: str) -> nodes.paragraph:
    """Download the executed notebook, or open the published one in Colab or Binder."""
    page = app.builder.get_target_uri(docname)
    href = posixpath.relpath(f"{docname}.ipynb", posixpath.dirname(page) or ".")
    name = posixpath.basename(docname) + ".ipynb"
    links = nodes.paragraph(classes=["lesson-launch"])
    links += nodes.raw(
        "",
        f'<a class="reference download" href="{quote(href)}" download="{name}">'
        f"Download the executed notebook ({name})</a>",
        format="html",
    )
    repository = app.config.curriculum_repository
    if repository:
        values = {
            "repository": repository,
            "branch": app.config.curriculum_published_branch,
            "path": quote(_published_path(app, docname)),
        }
        for text, pattern in (("Open in Colab", COLAB), ("Launch on Binder", BINDER)):
            uri = pattern.format(**values)
            links += nodes.reference(text, text, refuri=uri, classes=["lesson-launch-link"])
    return links


STATUS_TEXT = {"ok": "ok", "failed": "failed", "missing": "not executed"}
REPORT_HEADERS = [
    "Lesson",
    "Status",
    "Executed",
    "Seconds",
    "Device",
    "Versions",
    "Guard",
    "Output",
]


def report_nodes(app: Sphinx, fromdoc: str) -> list[nodes.Node]:
    """The execution report: a summary line, then one table per course, lessons in order."""
    curriculum = curriculum_of(app.env)
    records = records_of(app.env)
    result: list[nodes.Node] = []
    lessons = succeeded = 0
    total = 0.0
    for course in curriculum.courses:
        rows: list[list[Cell]] = []
        for lesson in curriculum.lessons_of(course):
            facts = verify(lesson, records.get(lesson.path))
            lessons += 1
            succeeded += facts.status == "ok"
            total += facts.seconds or 0.0
            guards: Cell = (
                bullet_list(
                    nodes.Text(f"{g.model}: {guard_figures(g)}; {guard_verdict(g)}")
                    for g in facts.guards
                )
                if facts.guards
                else ("no sampled model recorded" if facts.status == "ok" else "")
            )
            link = resolved_link(app.builder, fromdoc, lesson.docname, lesson.title)
            rows.append(
                [
                    nodes.paragraph("", "", link),
                    STATUS_TEXT[facts.status],
                    facts.executed_at,
                    f"{facts.seconds:.1f}" if facts.seconds is not None else "",
                    facts.device,
                    facts.versions_text,
                    guards,
                    facts.output_text,
                ]
            )
        if rows:
            link = resolved_link(app.builder, fromdoc, course.docname, course.title)
            result += [
                nodes.paragraph("", "", nodes.strong("", "", link)),
                table(REPORT_HEADERS, rows, classes=["execution-report"]),
            ]
    if not lessons:
        return [nodes.paragraph("", "No lesson has been published yet.")]
    summary = (
        f"{lessons} lesson{'' if lessons == 1 else 's'}, {succeeded} executed successfully, "
        f"{total:.0f} s of execution in all (summed over lessons, not wall-clock time)."
    )
    return [nodes.paragraph(summary, summary, classes=["execution-report-summary"]), *result]


def fill_placeholders(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Badges, launch links and reports, from the records of this build."""
    records = records_of(app.env)
    for node in list(doctree.findall(verified_badge)):
        lesson = lesson_of(app.env, node["docname"])
        record = records.get(lesson.path) if lesson else None
        node.replace_self(badge_nodes(verify(lesson, record)) if lesson else [])
    for node in list(doctree.findall(lesson_launch)):
        html = app.builder.format == "html"
        launch = [launch_nodes(app, node["docname"]), *models_nodes(app, node["docname"])]
        node.replace_self(launch if html else [])
    for node in list(doctree.findall(execution_report)):
        container = nodes.container(classes=["execution-report"])
        container.extend(report_nodes(app, docname))
        node.replace_self(container)


# -- after the build: the executed notebooks, next to their pages ------------------------------


def _provenance(lesson: Lesson) -> dict[str, Any]:
    return {"source": lesson.path, "kernel": lesson.kernel, "accelerator": lesson.accelerator}


def _notebook_is_current(outdir: Path, docname: str) -> bool:
    """Whether the notebook beside a lesson's page was written after the page. The notebook
    comes from the lesson's text and its record, and a change to either makes Sphinx write the
    page again, so a page this build did not write (the build starts from a copy of the
    published site, times kept) has a current notebook: merging it again costs 80 ms a lesson."""
    try:
        return Path(outdir, f"{docname}.ipynb").stat().st_mtime_ns > (
            Path(outdir, f"{docname}.html").stat().st_mtime_ns
        )
    except OSError:
        return False


def publish_notebooks(app: Sphinx, exception: Exception | None) -> None:
    """Write each lesson's executed notebook next to its HTML page, as ``<stem>.ipynb``."""
    if exception is not None or app.builder.format != "html":
        return
    configured = app.config.nb_execution_cache_path
    cache_path = Path(configured) if configured else None
    for docname, lesson in curriculum_of(app.env).lessons.items():
        if _notebook_is_current(Path(app.outdir), docname):
            continue
        source = Path(app.srcdir, lesson.path)
        notebook = published_notebook(cache_path, source, _provenance(lesson))
        if notebook is None:
            message = (
                "has no executed notebook in the jupyter-cache "
                "(run ose build; its download link would be broken)"
            )
            warn(app.env, Problem(lesson.path, 0, message), CONCERN)
            continue
        write_notebook(Path(app.outdir, f"{docname}.ipynb"), notebook)
        folder = Path(app.outdir, docname).parent
        for name, _size, source in _published_models(app, docname):
            shutil.copyfile(Path(app.srcdir, source), folder / name)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("ose.sphinxext.courses")
    app.add_config_value("curriculum_repository", "", "html", str)
    app.add_config_value("curriculum_published_branch", "gh-pages", "html", str)
    app.add_config_value("curriculum_published_path", "", "html", str)
    for node in (verified_badge, lesson_launch, execution_report):
        app.add_node(node)
    app.add_directive("execution-report", ExecutionReportDirective)
    app.connect("builder-inited", _read)
    app.connect("env-get-updated", _records_changed)
    app.connect("doctree-read", add_lesson_placeholders, priority=600)
    app.connect("doctree-resolved", fill_placeholders)
    app.connect("build-finished", publish_notebooks)
    app.add_css_file("curriculum.css")
    return metadata()
