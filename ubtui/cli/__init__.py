"""The command line (``ubtui ...``): argument parsing and printing on top of the core; the
core never imports this package.  ``main`` is the console script."""
from .commands import build_parser, hoist_database, main  # noqa: F401
