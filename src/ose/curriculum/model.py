"""Typed records of the curriculum: a course, a lesson, and the curriculum that relates them.

The field validators carry the exact one-line messages a user sees; ``load`` turns pydantic's
errors into ``path:line`` problems at the line of the offending key.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

LEVELS = ("introductory", "intermediate", "advanced")
ACCELERATORS = ("cpu", "gpu")
Level = Literal["introductory", "intermediate", "advanced"]
Accelerator = Literal["cpu", "gpu"]

#: The kernel each accelerator runs in (see ose.kernels).
KERNEL_FOR = {"cpu": "pymc-cpu", "gpu": "pymc-jax"}

#: A reference to a lesson or course: ``stem``, ``course/stem`` or ``course``; anything else
#: (with a space, a capital letter, punctuation) is free text.
REFERENCE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)?$")


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("allowed: a non-empty line of text")
    return value.strip()


def _text_list(key: str, value: Any, what: str, *, empty: bool) -> list[str]:
    allowed = f"a list of {what}" if empty else f"a non-empty list of {what}"
    if value is None and empty:
        return []
    if not isinstance(value, list) or (not value and not empty):
        raise ValueError(f"{key} is {value!r} (allowed: {allowed})")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"{key} has the item {item!r} (allowed: {allowed})")
    return [item.strip() for item in value]


def _choice(key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"allowed: {', '.join(allowed)}")
    return str(value)


class Duration(BaseModel):
    """Minutes of teaching and of exercises, as an instructor would plan them."""

    model_config = ConfigDict(frozen=True)

    teaching: int
    exercises: int

    @property
    def total(self) -> int:
        return self.teaching + self.exercises


def parse_duration(value: Any) -> Duration:
    """``{teaching: 20, exercises: 15}``, both positive whole minutes."""
    shape = "{teaching: <minutes>, exercises: <minutes>}"
    if isinstance(value, Duration):
        return value
    if not isinstance(value, dict):
        raise ValueError(f"duration is {value!r} (allowed: {shape})")
    unknown = sorted(set(map(str, value)) - {"teaching", "exercises"})
    if unknown:
        raise ValueError(f"duration has the unknown key {unknown[0]!r} (allowed: {shape})")
    for part in ("teaching", "exercises"):
        if part not in value:
            raise ValueError(f"duration has no {part!r} (allowed: {shape})")
        minutes = value[part]
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
            raise ValueError(
                f"duration.{part} is {minutes!r} (allowed: a positive whole number of minutes)"
            )
    return Duration(teaching=value["teaching"], exercises=value["exercises"])


class Course(BaseModel):
    """``curriculum/courses/<id>/index.md``: what a course is and the order of its lessons."""

    model_config = ConfigDict(frozen=True)

    id: str
    path: str
    title: str
    level: Level
    summary: str
    audience: str
    prerequisites: list[str]
    lessons: list[str]

    @property
    def docname(self) -> str:
        return self.path.removesuffix(".md")

    @field_validator("title", "summary", "audience", mode="before")
    @classmethod
    def _check_text(cls, value: Any, info: ValidationInfo) -> str:
        return _text(str(info.field_name), value)

    @field_validator("level", mode="before")
    @classmethod
    def _check_level(cls, value: Any) -> str:
        return _choice("level", value, LEVELS)

    @field_validator("prerequisites", mode="before")
    @classmethod
    def _check_prerequisites(cls, value: Any) -> list[str]:
        return _text_list("prerequisites", value, "items of text or references", empty=True)

    @field_validator("lessons", mode="before")
    @classmethod
    def _check_lessons(cls, value: Any) -> list[str]:
        return _text_list("lessons", value, "lesson file stems, in teaching order", empty=False)


class Lesson(BaseModel):
    """A lesson's front matter: what it teaches, how long it takes, where it runs."""

    model_config = ConfigDict(frozen=True)

    path: str
    course: str
    stem: str
    title: str
    objectives: list[str]
    prerequisites: list[str]
    duration: Duration
    level: Level
    accelerator: Accelerator
    tags: list[str]
    kernel: str | None = None
    #: the lesson's code imports JAX (or numpyro, blackjax): its record names the jax version
    uses_jax: bool = False

    @property
    def docname(self) -> str:
        return self.path.removesuffix(".md")

    @field_validator("title", mode="before")
    @classmethod
    def _check_title(cls, value: Any) -> str:
        return _text("title", value)

    @field_validator("objectives", mode="before")
    @classmethod
    def _check_objectives(cls, value: Any) -> list[str]:
        return _text_list(
            "objectives", value, "sentences saying what a learner will be able to do", empty=False
        )

    @field_validator("prerequisites", mode="before")
    @classmethod
    def _check_prerequisites(cls, value: Any) -> list[str]:
        return _text_list("prerequisites", value, "lesson stems or items of text", empty=True)

    @field_validator("tags", mode="before")
    @classmethod
    def _check_tags(cls, value: Any) -> list[str]:
        return _text_list("tags", value, "words", empty=True)

    @field_validator("duration", mode="before")
    @classmethod
    def _check_duration(cls, value: Any) -> Duration:
        return parse_duration(value)

    @field_validator("level", mode="before")
    @classmethod
    def _check_level(cls, value: Any) -> str:
        return _choice("level", value, LEVELS)

    @field_validator("accelerator", mode="before")
    @classmethod
    def _check_accelerator(cls, value: Any) -> str:
        return _choice("accelerator", value, ACCELERATORS)


#: Keys a course's and a lesson's front matter must give. A lesson's other keys belong to
#: jupytext, myst-nb and the execution runner, which checks ``convergence-guard`` itself.
COURSE_KEYS = ("title", "level", "summary", "audience", "prerequisites", "lessons")
LESSON_KEYS = ("title", "objectives", "prerequisites", "duration", "level", "accelerator", "tags")


class Curriculum(BaseModel):
    """Every course, in level order, and every lesson, by docname."""

    model_config = ConfigDict(frozen=True)

    courses: list[Course] = Field(default_factory=list)
    lessons: dict[str, Lesson] = Field(default_factory=dict)

    def course(self, course_id: str) -> Course | None:
        return next((course for course in self.courses if course.id == course_id), None)

    def lessons_of(self, course: Course) -> list[Lesson]:
        """The course's lessons in teaching order (those that exist)."""
        folder = course.path.rsplit("/", 1)[0]
        found = (self.lessons.get(f"{folder}/{stem}") for stem in course.lessons)
        return [lesson for lesson in found if lesson is not None]

    def course_of(self, lesson: Lesson) -> Course | None:
        return self.course(lesson.course)

    def neighbours(self, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
        """The previous and next lesson of the lesson's course."""
        course = self.course_of(lesson)
        if course is None:
            return None, None
        order = self.lessons_of(course)
        index = next((i for i, item in enumerate(order) if item.docname == lesson.docname), None)
        if index is None:
            return None, None
        before = order[index - 1] if index > 0 else None
        after = order[index + 1] if index + 1 < len(order) else None
        return before, after

    def total_minutes(self, course: Course) -> int:
        return sum(lesson.duration.total for lesson in self.lessons_of(course))

    def resolve(self, item: str) -> list[Lesson | Course]:
        """What a prerequisite names: [] for free text or nothing found, several if ambiguous."""
        if not REFERENCE.match(item):
            return []
        if "/" in item:
            course_id, stem = item.split("/", 1)
            return [
                lesson
                for lesson in self.lessons.values()
                if lesson.course == course_id and lesson.stem == stem
            ]
        found: list[Lesson | Course] = [
            lesson for lesson in self.lessons.values() if lesson.stem == item
        ]
        course = self.course(item)
        if course is not None:
            found.append(course)
        return found
