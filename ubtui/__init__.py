"""ubtui: the counter application of a water utility district.

The core: one module per domain (accounts, drawer, payments, billing, rates, readings,
work orders, collections, reports, security, audit...), each taking the acting user and
checking its permission.  ``ubtui.cli`` is the command line on top of it (the core never
imports it); ``ubtui.sshserver`` and ``ubtui.webserver`` are the remote doors, which start the
Textual app (``screens.app``) in a child process.  Nothing else here imports Textual (a test
keeps it so)."""

__version__ = "0.1.0"
