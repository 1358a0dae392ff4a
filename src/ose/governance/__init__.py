"""Governance as data: charters' front matter, the roster, the rules and the budget.

The data layer of the governance concern. It parses ``governance/`` into typed records and
checks them; it never imports Sphinx (the pages are rendered by :mod:`ose.sphinxext.governance`).
"""
