"""The counter's money: cash drawer, payments, receipts, daily totals, cash reports."""
