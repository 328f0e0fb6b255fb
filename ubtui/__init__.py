"""ubtui: the counter application of a water utility district.

The core (this package without ``ubtui.app``/``ubtui.sshserver``) never imports Textual."""

__version__ = "0.1.0"
