"""Textual screens of ubtui, grouped by domain, each screen's styles (.tcss) beside it.

- ``screens.app``: the App shell (keys, sign-in, lock, the database thread, last-resort errors).
- ``screens.common``: what every screen uses: ``BaseScreen`` and the key convention, the form
  framework (``form.ActionForm``), fields, stored-text rendering, terminal classes, help, palette.
- ``screens.shell``: sign-in, lock and the main menu.
- ``screens.accounts``: search, the account inquiry, contacts and the account's actions.
- ``screens.cash``: drawer, payments, receipts, totals and the cash reports.
- ``screens.billing``: bills, reads, exceptions, adjustments and the rate calculator.
- ``screens.service``: start/stop service and work orders.
- ``screens.collections``: the collections worklist and payment plans.

Screens gather keys, call one core function through ``await self.app.db(fn, ...)`` and show
the result or the one-line error the core raised.  They decide nothing about money or rights.
"""
