"""Workshops: a schedule of lessons from any course, for an instructor to teach in a day or two."""
