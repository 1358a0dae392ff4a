"""The curriculum's data layer: courses and lessons parsed from front matter, validated.

``model`` holds the typed records, ``load`` reads and checks the sources, ``verification``
relates a lesson to its execution record. Nothing here imports Sphinx.
"""
