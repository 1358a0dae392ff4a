"""Content tooling and site generator of the PyMC Foundation website."""

import sys

__version__ = "0.1.0"

# jsonschema (which nbformat imports) imports rfc3987_syntax when it is installed (jupyter-book
# brings it), and that module builds a Lark grammar at import: 0.7 s of every ose process and of
# every lesson process, to check IRIs that no schema here uses. Without it jsonschema simply
# leaves the "iri" formats unchecked. Lesson kernels are processes of their own: not affected.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
