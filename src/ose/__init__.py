"""Content tooling and site generator of the PyMC Foundation website."""

__version__ = "0.1.0"
