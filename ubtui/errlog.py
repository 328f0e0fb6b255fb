"""The last resort for errors nobody expected: the traceback goes to a log file in the data
folder, the person at the keys gets one line (the app's status line, the CLI's stderr)."""
from __future__ import annotations

import datetime as _dt
import os
import traceback
from pathlib import Path

from .text import mask_pan, safe_text

LOG_NAME = "ubtui-errors.log"
MAX_LOG_BYTES = 5_000_000  # then the log starts over (the previous one kept as .1)


def log_path() -> Path:
    from .config import data_dir

    return data_dir() / LOG_NAME


def log_exception(error: BaseException, where: str = "") -> Path | None:
    """Append ``error``'s traceback to the log (card numbers masked); its path, or ``None``
    when the log cannot be written (the one-line message still goes out)."""
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
            os.replace(path, path.with_name(LOG_NAME + ".1"))
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        stamp = _dt.datetime.now().isoformat(timespec="seconds")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)  # tracebacks may quote customer data
        with open(fd, "a", encoding="utf-8", errors="backslashreplace") as f:
            f.write(f"--- {stamp} pid {os.getpid()} {where}\n{mask_pan(text)}\n")
        return path
    except Exception:  # noqa: BLE001 - logging must never raise on top of the error
        return None


def one_line_error(error: BaseException, path: Path | None) -> str:
    """``unexpected error (KeyError: 'x'); details in /path/ubtui-errors.log``: one line, no
    control characters, short enough for a status line."""
    detail = safe_text(str(error))[:60]
    what = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    where = f"; details in {path}" if path else ""
    return f"unexpected error ({what}){where}"
