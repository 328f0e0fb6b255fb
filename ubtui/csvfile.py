"""What every import file shares (meter readings, electronic payments): read as UTF-8, a
header whose columns are found by any of their names, its lines read one by one, and every
problem collected with its line so that a file is refused whole, naming the first line
wrong ("payments.csv, line 7: amount '12.3.4' is not an amount; also line 9: ...")."""
from __future__ import annotations

import csv
import datetime as _dt
import io
from pathlib import Path

from .errors import InputError

MAX_ERRORS = 20  # problems one refusal lists


def read_text(path: str | Path | None, text: str | None, what: str) -> tuple[str, str]:
    """(the name errors give the file, its text): ``text`` if given, else the file at
    ``path`` read as UTF-8 (a byte-order mark allowed); a file that cannot be read, or is
    not UTF-8, is refused naming it (and the line of the first bad byte)."""
    name = str(path) if path is not None else "<file>"
    if text is not None:
        return name, text
    if path is None:
        raise InputError("File", f"name the {what} file")
    try:
        return name, Path(path).read_text(encoding="utf-8-sig")
    except OSError as e:
        raise InputError(name, f"cannot read ({e.strerror})") from None
    except UnicodeDecodeError as e:
        line = Path(path).read_bytes()[:e.start].count(b"\n") + 1
        raise InputError(f"{name}, line {line}", "not UTF-8 text; save the file as UTF-8 (CSV UTF-8)") from None


def open_csv(text: str, source: str, columns: dict[str, tuple[str, ...]], required: tuple[str, ...]):
    """(a csv reader past the header, the header's names, canonical column -> its index).
    ``columns``: canonical name -> the names a header may give it (lower case, spaces as _);
    a header without every ``required`` column is refused naming what it has."""
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise InputError(f"{source}, line {line}", "contains a NUL character; is this a CSV file?")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(source, "the file is empty") from None
    except csv.Error as e:
        raise InputError(f"{source}, line 1", f"not a CSV line ({e})") from None
    names = [h.strip().lower().replace(" ", "_") for h in header]
    index = {}
    for canon, aliases in columns.items():
        found = next((i for i, n in enumerate(names) if n in aliases), None)
        if found is not None:
            index[canon] = found
    missing = [c for c in required if c not in index]
    if missing:
        shown = ", ".join(n.encode("ascii", "replace").decode()[:30] for n in names) or "nothing"
        raise InputError(f"{source}, line 1", f"the header needs columns {', '.join(missing)} (found {shown})")
    return reader, names, index


def csv_lines(reader, source: str):
    """The rows of ``reader``; a line the csv module cannot read (a field over its 128 KiB
    limit, a quote left open) refuses the file naming the line."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise InputError(f"{source}, line {reader.line_num}", f"not a CSV line ({e})") from None


def data_lines(reader, source: str, width: int, errors: list[str]):
    """(line number, cells) of each line that holds something; a line with fewer than
    ``width`` cells (the header's) goes to ``errors`` instead."""
    for values in csv_lines(reader, source):
        if not any(v.strip() for v in values):
            continue
        if len(values) < width:
            errors.append(f"line {reader.line_num}: {len(values)} columns, the header has {width}")
            continue
        yield reader.line_num, values


def refuse(errors: list[str], source: str) -> None:
    """Refuse the file when there are ``errors`` ("line N: what"), naming the first line and
    listing the next few."""
    if not errors:
        return
    errors = sorted(errors, key=lambda e: int(e.split(":")[0].split()[1]))
    more = f" (and {len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
    first = errors[0].split(":", 1)
    raise InputError(f"{source}, {first[0]}", first[1].strip() + (
        "; also " + "; ".join(errors[1:MAX_ERRORS]) if len(errors) > 1 else "") + more)


def quoted(value: str, width: int = 24) -> str:
    """A value of a file quoted in a message: control characters escaped, cut short."""
    return repr(value if len(value) <= width else value[:width] + "...")


def past_date(text: str, line: int, today: _dt.date, errors: list[str]) -> _dt.date | None:
    """The date of a file's cell, today or before; None (and the line's error in ``errors``)
    when it is not a date or is in the future."""
    try:
        day = file_date(text)
    except ValueError:
        errors.append(f"line {line}: date {quoted(text.strip())} is not YYYY-MM-DD")
        return None
    if day > today:
        errors.append(f"line {line}: date {day} is in the future")
        return None
    return day


def file_date(text: str) -> _dt.date:
    """A date as files write it: YYYY-MM-DD, MM/DD/YYYY or an ISO timestamp (ValueError else)."""
    s = text.strip()
    if "T" in s or " " in s:
        return _dt.datetime.fromisoformat(s.replace("Z", "+00:00")).date()
    if "/" in s:
        return _dt.datetime.strptime(s, "%m/%d/%Y").date()
    return _dt.date.fromisoformat(s)
