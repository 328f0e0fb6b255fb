"""Find accounts from one line of typed text.

``search_accounts(user, text)`` reads what was typed and looks in the places it can mean:

* digits (dashes, spaces, brackets allowed): account number (check digit optional, a wrong
  one is reported if nothing else matches), phone number (10 digits exact, 7 digits on the
  last seven), meter serial, parcel number (with or without dashes) - all B-tree lookups;
* a house number and words: the premises at that house number (B-tree prefix on the folded
  address) whose address contains every word;
* words: customers whose folded name contains every word (partial, any order, accents and
  case ignored) and premises whose address does.  Substrings use the trigram indexes of
  migration 0002 (SQLite FTS5, PostgreSQL pg_trgm).  Words of one or two letters are too
  common to look up by substring: alone they match the start of the first or last name
  (B-tree prefix), beside a longer word they must start a word ("jo smith");
* an e-mail address: the customers who have it (exact, case ignored).

Nothing is ranked: candidates come in index order and the lookup stops at ``limit`` of
them, which are then sorted for display, so a very common word never means sorting
thousands of matches.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from models import User, database

from .accounts import NUMBER_DIGITS, fold, format_account_number, normalize_account_number, phone_digits
from .db import in_list, is_postgres, pipelined, qmarks
from .errors import InputError
from .security import require
from .text import searchable

MIN_SUBSTRING = 3  # trigram indexes cannot look up anything shorter
MAX_TEXT = 80
NUMERIC = re.compile(r"^[\d\s().+/-]+$")
ROLE_ORDER = {"tenant": 0, "owner": 1, "billing": 2}
KIND_ORDER = {"account": 0, "meter": 1, "phone": 2, "email": 3, "parcel": 4, "address": 5, "name": 6}
INACTIVE = ("final_billed", "closed")


@dataclass(frozen=True)
class AccountHit:
    account_id: int
    number: str  # "0012345-5"
    name: str
    address: str
    status: str
    balance_cents: int
    flags: str  # "CASH NOCHK AUTO MED DND"
    matched: str = ""  # account, meter, phone, email, parcel, address, name


FLAG_FIELDS = ("cash_only", "no_checks", "autopay", "medical_certificate", "do_not_disconnect")
FLAG_TAGS = ("CASH", "NOCHK", "AUTO", "MED", "DND")


def account_flags(acct) -> str:
    """The short flag string shown beside an account (search results, headers)."""
    return flag_text(getattr(acct, f) for f in FLAG_FIELDS)


def flag_text(values) -> str:
    return " ".join(tag for tag, on in zip(FLAG_TAGS, values) if on)


def format_address(house_number: str, street: str, unit: str = "") -> str:
    return " ".join(p for p in (house_number, street, unit) if p)


# --- the bare queries (also timed by bench/search_bench.py) ------------------------------------
# Each kind of lookup is written as a list of statements, ``(sql, params)`` with ``?``
# placeholders: ``search_accounts`` sends the statements of every kind it needs before it
# reads the first answer (``db.pipelined``: one round trip to PostgreSQL, not one each); the
# ``*_ids`` functions run one kind alone (the bare index queries of the benchmarks).

Query = tuple[str, list]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _send(query: Query):
    """The cursor of ``query``, sent; inside ``pipelined()`` its rows come at the first read."""
    sql, params = query
    return database.execute_sql(qmarks(sql), tuple(params))


def _ids(cursors) -> list[int]:
    """The first column of the cursors' rows, in order, each id once."""
    return list(dict.fromkeys(row[0] for cursor in cursors for row in cursor.fetchall()))


def _run(queries: list[Query]) -> list[int]:
    return _ids([_send(q) for q in queries])


def _prefix_clause(expr: str, prefix: str) -> tuple[str, list]:
    """``expr`` starts with ``prefix``, answerable from a B-tree on ``expr``."""
    if is_postgres():  # text_pattern_ops indexes serve LIKE 'abc%' in any collation
        return f"{expr} LIKE ? ESCAPE '\\'", [_like_escape(prefix) + "%"]
    # SQLite: LIKE is case-insensitive and skips BINARY indexes; a range does not.
    return f"{expr} >= ? AND {expr} < ?", [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)]


def _like_clauses(expr: str, words: list[str]) -> tuple[str, list]:
    """``expr`` contains every word, as LIKE: a trigram index can answer it (PostgreSQL)."""
    sql = " AND ".join(f"{expr} LIKE ? ESCAPE '\\'" for _ in words)
    return sql, ["%" + _like_escape(w) + "%" for w in words]


def _filter_clauses(expr: str, words: list[str]) -> tuple[str, list]:
    """``expr`` contains every word, as a plain filter no index is asked to answer
    (for words checked only on the few rows a B-tree already found)."""
    fn_name = "strpos" if is_postgres() else "instr"
    return " AND ".join(f"{fn_name}({expr}, ?) > 0" for _ in words), list(words)


def _word_start_clauses(expr: str, words: list[str]) -> tuple[str, list]:
    """Some word of ``expr`` starts with each of ``words`` (the short ones: "jo smith").

    Inside a word, one or two letters match almost everything ("mi" in "smith"), and
    pg_trgm answers LIKE '%ab%' by reading its whole index; at the start of a word the
    padded trigram " ab" is selective and the regular expression can use the index."""
    if is_postgres():
        return (" AND ".join(f"{expr} ~ ?" for _ in words),
                ["(^| )" + re.sub(r"(\W)", r"\\\1", w) for w in words])
    return " AND ".join(f"instr(' ' || {expr}, ?) > 0" for _ in words), [" " + w for w in words]


def _fts_match(words: list[str]) -> str:
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in words)


def _substring_query(table: str, col: str, words: list[str], limit: int) -> Query:
    """Ids of rows of ``table`` whose ``col`` contains every word (one word >= 3 letters)."""
    long_words = [w for w in words if len(w) >= MIN_SUBSTRING]
    short = [w for w in words if len(w) < MIN_SUBSTRING]
    if is_postgres():
        where, params = _like_clauses(f't."{col}"', long_words)
        if short:
            extra, extra_params = _word_start_clauses(f't."{col}"', short)
            where, params = f"{where} AND {extra}", params + extra_params
        return f'SELECT t.id FROM "{table}" t WHERE {where} LIMIT ?', params + [limit]
    # SQLite: the FTS index holds ' ' || text, so ' jo' (a trigram) finds words starting "jo"
    two = [" " + w for w in short if len(w) == 2]
    one = [w for w in short if len(w) == 1]
    sql = f'SELECT f.rowid FROM {table}_fts f'
    params: list = [_fts_match(long_words + two)]
    where = f"{table}_fts MATCH ?"
    if one:
        sql += f' JOIN "{table}" t ON t.id = f.rowid'
        extra, extra_params = _word_start_clauses(f't."{col}"', one)
        where += " AND " + extra
        params += extra_params
    return f"{sql} WHERE {where} LIMIT ?", params + [limit]


def _name_queries(words: list[str], limit: int) -> list[Query]:
    if not words:
        return []
    if any(len(w) >= MIN_SUBSTRING for w in words):
        return [_substring_query("customer", "search_name", words, limit)]
    # Only short words: the first one starts the first or the last name (B-tree prefixes).
    first, rest = words[0], words[1:]
    extra, extra_params = _word_start_clauses("search_name", rest) if rest else ("", [])
    queries = []
    for expr in ("search_name", "lower(last_name)"):
        where, params = _prefix_clause(expr, first)
        if extra:
            where += " AND " + extra
        queries.append((f"SELECT id FROM customer WHERE {where} LIMIT ?", params + extra_params + [limit]))
    return queries


def customer_ids_by_name(words: list[str], limit: int) -> list[int]:
    """Customers whose folded name contains every word."""
    return _run(_name_queries(words, limit))[:limit]  # two statements for short words


def _address_queries(words: list[str], limit: int) -> list[Query]:
    if not words:
        return []
    if words[0][0].isdigit() and len(words) > 1:
        where, params = _prefix_clause("search_address", words[0] + " ")
        extra, extra_params = _filter_clauses("search_address", words[1:])
        return [(f"SELECT id FROM premise WHERE {where} AND {extra} LIMIT ?", params + extra_params + [limit])]
    if not any(len(w) >= MIN_SUBSTRING for w in words):
        return []
    return [_substring_query("premise", "search_address", words, limit)]


def premise_ids_by_address(words: list[str], limit: int) -> list[int]:
    """Premises whose folded address contains every word; a leading house number must match."""
    return _run(_address_queries(words, limit))


def _phone_queries(digits: str, limit: int) -> list[Query]:
    if len(digits) < 7:
        return []
    if len(digits) == 7:
        expr = "right(p.digits, 7)" if is_postgres() else "substr(p.digits, -7)"
        where = f"{expr} = ?"
    else:
        where = "p.digits = ?"
    return [("SELECT DISTINCT ac.account_id FROM phone p JOIN account_customer ac "
             f"ON ac.customer_id = p.customer_id WHERE {where} LIMIT ?", [digits, limit])]


def account_ids_by_phone(digits: str, limit: int) -> list[int]:
    return _run(_phone_queries(digits, limit))


def _email_queries(text: str, limit: int) -> list[Query]:
    return [("SELECT DISTINCT ac.account_id FROM email e JOIN account_customer ac "
             "ON ac.customer_id = e.customer_id WHERE e.address = ? LIMIT ?", [text.strip().lower(), limit])]


def account_ids_by_email(text: str, limit: int) -> list[int]:
    return _run(_email_queries(text, limit))


def _parcel_queries(text: str, limit: int) -> list[Query]:
    raw = text.strip()
    plain = re.sub(r"[\s-]", "", raw)
    if not plain:
        return []
    return [("SELECT id FROM premise WHERE parcel_number = ? OR replace(parcel_number, '-', '') = ? LIMIT ?",
             [raw, plain, limit])]


def premise_ids_by_parcel(text: str, limit: int) -> list[int]:
    return _run(_parcel_queries(text, limit))


def _meter_queries(text: str, limit: int) -> list[Query]:
    raw = text.strip()
    plain = re.sub(r"[\s-]", "", raw).upper()
    if not plain:
        return []
    return [("SELECT premise_id FROM meter WHERE (serial = ? OR upper(replace(serial, '-', '')) = ?) "
             "AND premise_id IS NOT NULL LIMIT ?", [raw, plain, limit])]


def premise_ids_by_meter(text: str, limit: int) -> list[int]:
    return _run(_meter_queries(text, limit))


def _number_queries(text: str) -> tuple[list[Query], InputError | None]:
    t = text.strip()
    m = re.fullmatch(r"(\d{1,%d})\s*-\s*(\d)" % NUMBER_DIGITS, t)
    if m:  # "12345-6": the digit after the dash is the check digit
        t = m.group(1).zfill(NUMBER_DIGITS) + m.group(2)
    try:
        number = normalize_account_number(t)
    except InputError as e:
        return [], e
    if number is None:
        return [], None
    return [("SELECT id FROM account WHERE number = ?", [number])], None


def account_ids_by_number(text: str) -> tuple[list[int], InputError | None]:
    """The account the digits name, or the wrong-check-digit error to report if nothing else matches."""
    queries, error = _number_queries(text)
    return _run(queries), error


# --- turning candidates into hits ---------------------------------------------------------------

ACCOUNT_COLUMNS = ("a.id, a.number, a.status, a.balance_cents, "
                   + ", ".join(f"a.{f}" for f in FLAG_FIELDS) + ", p.house_number, p.street, p.unit")
PREMISE_KINDS = frozenset({"meter", "parcel", "address"})  # their lookups find premises
CUSTOMER_KINDS = frozenset({"name"})  # ...customers; the others find accounts


def _lookup(queries: dict[str, list[Query]], limit: int) -> dict[str, list[int]]:
    """kind -> the first ``limit`` ids its statements find; every statement is sent before
    the first answer is read (one round trip to PostgreSQL)."""
    with pipelined():
        sent = {kind: [_send(q) for q in qs] for kind, qs in queries.items()}
        return {kind: _ids(cursors)[:limit] for kind, cursors in sent.items()}


def _accounts_of(found: dict[str, list[int]], limit: int) -> tuple[dict[int, str], dict[int, str]]:
    """(account id -> the kind that found it first, in the order of ``found``; account id ->
    the matched customer's display name), from the ids each kind found (one round trip)."""
    with pipelined():
        sent = {}
        for kind, ids in found.items():
            if ids and kind in CUSTOMER_KINDS:
                sent[kind] = _send(("SELECT ac.account_id, c.display_name FROM account_customer ac "
                                    "JOIN customer c ON c.id = ac.customer_id "
                                    f"WHERE ac.customer_id IN {in_list(ids)} ORDER BY ac.account_id LIMIT ?",
                                    ids + [limit]))
            elif ids and kind in PREMISE_KINDS:
                sent[kind] = _send((f"SELECT id FROM account WHERE premise_id IN {in_list(ids)} ORDER BY id LIMIT ?",
                                    ids + [limit]))
        kinds: dict[int, str] = {}
        names: dict[int, str] = {}
        for kind, ids in found.items():
            rows = sent[kind].fetchall() if kind in sent else [(i,) for i in ids]
            for aid, *name in rows:
                kinds.setdefault(aid, kind)
                if name:
                    names.setdefault(aid, name[0])
    return kinds, names


def _hits(account_kinds: dict[int, str], names: dict[int, str]) -> list[AccountHit]:
    """Two statements for all hits, sent together: the accounts with their premises, and
    the parties of those whose name is not known yet.

    Plain SQL on purpose: building a many-column Peewee query costs more than running it."""
    if not account_kinds:
        return []
    ids = list(account_kinds)
    missing = [i for i in ids if i not in names]
    parties: dict[int, tuple] = {}
    with pipelined():
        accounts = _send((f"SELECT {ACCOUNT_COLUMNS} FROM account a JOIN premise p ON p.id = a.premise_id "
                          f"WHERE a.id IN {in_list(ids)}", ids))
        if missing:
            party_rows = _send(("SELECT ac.account_id, ac.role, ac.end_date, c.display_name FROM account_customer ac "
                                f"JOIN customer c ON c.id = ac.customer_id WHERE ac.account_id IN {in_list(missing)}",
                                missing))
        rows = accounts.fetchall()
        for aid, role, ended, name in (party_rows.fetchall() if missing else ()):
            key = (ended is not None, ROLE_ORDER.get(role, 9), name)
            parties[aid] = min(parties.get(aid, key), key)
    out = []
    for aid, number, status, balance, *rest in rows:
        flags, (house, street, unit) = rest[:len(FLAG_FIELDS)], rest[len(FLAG_FIELDS):]
        name = names.get(aid) or (parties[aid][2] if aid in parties else "")
        out.append(AccountHit(aid, format_account_number(number), name, format_address(house, street, unit),
                              status, int(balance), flag_text(flags), account_kinds[aid]))
    out.sort(key=lambda h: (KIND_ORDER.get(h.matched, 9), h.status in INACTIVE, h.name.lower(), h.number))
    return out


def search_accounts(user: User, text: str, limit: int = 50) -> list[AccountHit]:
    """Accounts matching ``text`` (see the module doc), at most ``limit``, best kinds first.

    Three round trips to PostgreSQL whatever the text: the lookups of every kind it can
    mean, the accounts of what they found, the hits.

    Raises InputError for text that cannot be searched (too long) and for a mistyped
    account number (wrong check digit) that matches nothing else."""
    require(user, "account.view")
    text = searchable(text).strip()  # NUL or a lone surrogate: nothing stored has them
    if not text:
        return []
    if len(text) > MAX_TEXT:
        raise InputError("Search", f"type at most {MAX_TEXT} characters")
    limit = max(1, int(limit))

    def first(kinds: dict[int, str]) -> dict[int, str]:
        return dict(list(kinds.items())[:limit])

    if NUMERIC.match(text):
        number, check_error = _number_queries(text)
        kinds, names = _accounts_of(_lookup({
            "account": number, "meter": _meter_queries(text, limit),
            "phone": _phone_queries(phone_digits(text), limit), "parcel": _parcel_queries(text, limit)}, limit), limit)
        if not kinds and check_error is not None:
            raise check_error
        return _hits(first(kinds), names)
    if "@" in text:
        return _hits(*_accounts_of(_lookup({"email": _email_queries(text, limit)}, limit), limit))
    words = fold(text).split()
    queries: dict[str, list[Query]] = {}
    if len(text.split()) == 1:  # a serial or parcel number with letters in it
        queries = {"meter": _meter_queries(text, limit), "parcel": _parcel_queries(text, limit)}
        if any(c.isdigit() for c in text):
            # found as the serial or parcel it looks like: no name has digits in it, and
            # reading the trigram indexes for it costs more than the rest of the search
            kinds, names = _accounts_of(_lookup(queries, limit), limit)
            if kinds or not words:
                return _hits(kinds, names)
            queries = {}
    if words and not (words[0][0].isdigit() and len(words) > 1):
        queries["name"] = _name_queries(words, limit)
    queries["address"] = _address_queries(words, limit)
    kinds, names = _accounts_of(_lookup(queries, limit), limit)
    return _hits(first(kinds), names)


def optimize_indexes(user: User) -> None:
    """After a bulk load (demo, import): merge the SQLite FTS5 segments and refresh the
    planner statistics, or on PostgreSQL flush the GIN pending lists and ANALYZE.

    Searches are right without it, only slower until the database gets round to it."""
    require(user, "db.admin")
    db = database.obj
    if is_postgres():
        for index in ("customer_search_name_trgm", "premise_search_address_trgm"):
            db.execute_sql(f"SELECT gin_clean_pending_list('{index}'::regclass)")
        for table in ("customer", "premise", "phone", "meter", "account", "account_customer"):
            db.execute_sql(f'ANALYZE "{table}"')
        return
    for fts in ("customer_fts", "premise_fts"):
        db.execute_sql(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")
    db.execute_sql("ANALYZE")
