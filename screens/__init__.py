"""Textual screens of ubtui: one screen per file, its styles (.tcss) beside it.

Screens gather keys, call one core function through ``await self.app.db(fn, ...)`` and show
the result or the one-line error the core raised.  They decide nothing about money or rights.
"""
