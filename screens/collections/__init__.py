"""The collections worklist (the day's notices and shut-off list) and payment plans."""
