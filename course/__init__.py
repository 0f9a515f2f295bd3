"""Dobro's pure core: the course model, its loader, validator, renderer,
compiler and grading. Nothing here knows about HTTP or databases."""

from course.errors import ContentError, CourseError, Problem, UsageError

__all__ = ["ContentError", "CourseError", "Problem", "UsageError"]
