"""Decision records: the TSC's numbered, reviewed decisions under ``decisions/``.

:mod:`.records` parses a record into a typed :class:`~.records.Decision`, :mod:`.lint` checks the
whole set at once, :mod:`.edit` scaffolds and rewrites records for the ``ose decision`` commands,
and :mod:`.export` writes them for machines (JSON, Atom). None of them imports Sphinx; the site
renders them through :mod:`ose.sphinxext.decisions`.
"""
