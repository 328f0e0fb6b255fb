"""Find accounts from one line of typed text.

``search_accounts(user, text)`` reads what was typed and looks in the places it can mean:

* digits (dashes, spaces, brackets allowed): account number (check digit optional, a wrong
  one is reported if nothing else matches), phone number (10 digits exact, 7 digits on the
  last seven), meter serial, parcel number (with or without dashes) - all B-tree lookups;
* an e-mail address: the customers who have it (exact, case ignored);
* one word with digits in it: a meter serial or parcel number;
* words: accounts where every word is in one of the account's fields - a party's name, the
  service address (house number, street, unit), a party's mailing address, a phone (its last
  4 or 7 digits), a meter serial, the account number - in any mix and order, accents and
  case ignored ("garcia oak", "garcia 107", "107 oak", "maria garcia 0107").  They are looked
  up in the account's search document (migration 0009) by trigrams: SQLite FTS5, PostgreSQL
  pg_trgm.  A word of one or two letters must start a word ("garcia a"); only such words
  look up the start of a first or last name (B-tree prefixes).

Ranking is bounded: at most ``CANDIDATES`` matching accounts are read (those whose words are
whole words, then word starts, then anywhere, so an exact match is never crowded out by
partial ones), each scored from its document (``rank``), and the page asked for is cut
from them.  A longer list is "capped": its size is estimated from how far into the index
the candidates reached (``SearchPage.total``), and later pages read more candidates.
"""
from __future__ import annotations

import bisect
import importlib
import re
from contextlib import contextmanager
from dataclasses import dataclass

from models import User, database
from models.customers import SERVICE_ENDED

from . import clock
from .accounts import (
    NUMBER_DIGITS,
    Party,
    choose_customer_of_record,
    fold,
    format_account_number,
    normalize_account_number,
    phone_digits,
)
from .addresses import format_address  # noqa: F401  (re-exported for callers of the old place)
from .dates import db_date
from .db import in_list, is_postgres, pipelined, planned_each_time, qmarks
from .errors import InputError
from .security import require
from .text import searchable

MIN_SUBSTRING = 3  # trigram indexes cannot look up anything shorter
MAX_TEXT = 80
NUMERIC = re.compile(r"^[\d\s().+/-]+$")
KIND_ORDER = {"account": 0, "meter": 1, "phone": 2, "email": 3, "parcel": 4, "address": 5, "name": 6}
INACTIVE = SERVICE_ENDED  # ranked after the open accounts


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
    params: list
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
    params = [_fts_match(long_words + two)]
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


def _typed_ids(user: User, text: str, field: str, empty: str, by_words, limit: int) -> list[int]:
    """The ids a form's F4 lists for ``text``: the number typed alone, then what
    ``by_words(words, limit)`` finds."""
    require(user, "account.view")
    text = searchable(text or "").strip()
    words = fold(text).split()
    if not words:
        raise InputError(field, empty)
    ids = [int(text)] if text.isdigit() and len(text) <= 12 else []
    return ids + [i for i in by_words(words, limit) if i not in ids]


def _choices(rows, none: str) -> list[tuple[str, str]]:
    """F4 choices from (id, label, an account's line or None) rows in order: one a record,
    "label: its accounts' lines" (``none`` when it has none)."""
    found: dict[int, tuple[str, list[str]]] = {}
    for key, label, held in rows:
        lines = found.setdefault(key, (label, []))[1]
        if held:
            lines.append(held)
    return [(str(key), f"{label}: {', '.join(lines) if lines else none}") for key, (label, lines) in found.items()]


def find_premises(user: User, text: str, limit: int = 30) -> list[tuple[str, str]]:
    """Premises whose address holds the words of ``text`` (a leading house number must match),
    for a form's address field (F4): (premise number, "address, city: who has service"), by
    address.  The premise number typed alone finds that premise."""
    ids = _typed_ids(user, text, "Address", "type the house number and words of the street, then F4",
                     premise_ids_by_address, limit)
    if not ids:
        return []
    rows = database.execute_sql(qmarks(
        "SELECT p.id, p.house_number, p.street, p.unit, p.city, a.number, a.status FROM premise p "
        f"LEFT JOIN account a ON a.premise_id = p.id AND a.status NOT IN {in_list(SERVICE_ENDED)} "
        f"WHERE p.id IN {in_list(ids)} ORDER BY p.search_address, p.id, a.id"), (*SERVICE_ENDED, *ids)).fetchall()
    return _choices(((pid, format_address(house, street, unit) + (f", {city}" if city else ""),
                      number and f"{status.replace('_', ' ')} {format_account_number(number)}")
                     for pid, house, street, unit, city, number, status in rows), "no service")


def find_customers(user: User, text: str, limit: int = 30) -> list[tuple[str, str]]:
    """Customers whose name holds the words of ``text``, for a form's customer field (F4):
    (customer number, "name  mailing line, city: their accounts"), by name; merged
    duplicates left out.  The customer number typed alone finds that customer."""
    ids = _typed_ids(user, text, "Customer", "type words of the name, then F4", customer_ids_by_name, limit)
    if not ids:
        return []
    rows = database.execute_sql(qmarks(
        "SELECT c.id, c.display_name, c.mail_line1, c.mail_city, a.number, a.status FROM customer c "
        "LEFT JOIN account_customer ac ON ac.customer_id = c.id AND ac.end_date IS NULL "
        "LEFT JOIN account a ON a.id = ac.account_id "
        f"WHERE c.id IN {in_list(ids)} AND c.merged_into_id IS NULL ORDER BY c.search_name, c.id, a.id"),
        tuple(ids)).fetchall()
    return _choices(((cid, "  ".join(p for p in (name, ", ".join(m for m in (line1, city) if m)) if p),
                      number and f"{format_account_number(number)} {status.replace('_', ' ')}")
                     for cid, name, line1, city, number, status in rows), "no account")


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


def _hits(account_kinds: dict[int, str], names: dict[int, str], prefer: dict[int, str] | None = None,
          order: list[int] | None = None) -> list[AccountHit]:
    """Two statements for all hits, sent together: the accounts with their premises, and
    the parties of those whose name is not known yet (the party whose folded name ``prefer``
    gives first).  In ``order`` if given, else by kind, open before closed, name.

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
            party_rows = _send(("SELECT ac.account_id, ac.id, ac.customer_id, ac.role, ac.start_date, ac.end_date, "
                                "c.display_name, c.search_name FROM account_customer ac "
                                f"JOIN customer c ON c.id = ac.customer_id WHERE ac.account_id IN {in_list(missing)} "
                                "AND c.merged_into_id IS NULL", missing))
        rows = accounts.fetchall()
        prefer = prefer or {}
        roles: dict[int, list[tuple[Party, str]]] = {}
        for aid, link, cid, role, started, ended, name, folded in (party_rows.fetchall() if missing else ()):
            roles.setdefault(aid, []).append((Party(link, cid, name, role, db_date(started), db_date(ended)), folded))
        today = clock.today()
        for aid, found in roles.items():
            # the party whose name was typed, when one was; else the customer of record
            named = [p for p, folded in found if aid in prefer and folded == prefer[aid]]
            chosen = choose_customer_of_record(named or [p for p, _ in found], today)
            if chosen is not None:
                parties[aid] = (chosen.name,)
    out = []
    for aid, number, status, balance, *rest in rows:
        flags, (house, street, unit) = rest[:len(FLAG_FIELDS)], rest[len(FLAG_FIELDS):]
        name = names.get(aid) or (parties[aid][-1] if aid in parties else "")
        out.append(AccountHit(aid, format_account_number(number), name, format_address(house, street, unit),
                              status, int(balance), flag_text(flags), account_kinds[aid]))
    if order is not None:
        where = {aid: i for i, aid in enumerate(order)}
        out.sort(key=lambda h: where[h.account_id])
    else:
        out.sort(key=lambda h: (KIND_ORDER.get(h.matched, 9), h.status in INACTIVE, h.name.lower(), h.number))
    return out


# --- words in any field: the account search documents (migration 0009) ---------------------

CANDIDATES = 100  # matching accounts read and ranked for one search at most (a page: 50)
# Field classes of a document's words, best first: an identifier or a surname; a first
# name; the street or unit; a mailing address.
IDENT, FIRST, STREET, MAIL = 0, 1, 2, 3
EXACT, PREFIX, INSIDE = 0, 1, 2  # how a typed word matched a word of the document
MARK_CLASS = {"@": MAIL, "#": IDENT, "^": IDENT, "=": STREET, "/": STREET, "$": IDENT, "&": IDENT}


class SearchPage(list):
    """The hits of one page, best first (a list), and what is known about the rest:
    ``total`` accounts match (an estimate when ``capped``: more matched than were read)."""

    def __init__(self, hits=(), total: int = 0, capped: bool = False, offset: int = 0, whole: int | None = None):
        """``offset``: how many accounts the pages before this one showed; ``whole``: how
        many match every word as a whole word (up to the candidates read), when known."""
        super().__init__(hits)
        self.total, self.capped, self.offset = max(total, offset + len(hits)), capped, offset
        self.whole = whole

    @property
    def more(self) -> bool:
        """Accounts after this page match too (PageDown fetches them)."""
        return self.capped or self.offset + len(self) < self.total


def _doc_terms(words: list[str], tier: int) -> tuple[list[str], list[str]]:
    """(terms a trigram index looks up, terms checked on the rows it finds): the document
    holds each word as a whole word (EXACT), the start of a word (PREFIX) or anywhere
    (INSIDE; a short word: the start of a word).

    PostgreSQL: a word of three letters or more is looked up alone, or with the space after
    it for a whole word, and the space before it is checked on the rows found: pg_trgm's
    trigrams with a space first ("  s" and " sm" for a word starting "sm") are in most
    documents, and reading them was most of the index's work ("559 summ" as whole words: 814
    GIN pages and 5.5 ms at 1,000,000 accounts; as "559 ", "summ " 368 and 1.7 ms).  SQLite's
    FTS5 looks up the whole term: there the split made a whole-word "cas" 2 -> 32 ms (every
    "lucas" and "casas" checked) and nothing faster.  The rows are the same."""
    found: list[str] = []
    checked: list[str] = []
    split = is_postgres()
    for w in words:
        term = f" {w} " if tier == EXACT else f" {w}" if tier == PREFIX or len(w) < MIN_SUBSTRING else w
        if split and len(w) >= MIN_SUBSTRING and term != w:
            found.append(term[1:])
            checked.append(term)
        else:
            (found if len(term) >= MIN_SUBSTRING else checked).append(term)
    return found, checked


def _doc_query(words: list[str], tier: int, limit: int, estimated: bool = True) -> Query:
    """Ids, documents, statuses and places in the index (``_estimate``) of up to ``limit``
    accounts whose document holds every word as ``tier`` says, in index order.

    ``estimated=False`` (PostgreSQL; the tiers after the first): the terms checked on the
    rows are left to the planner's default guess (their pattern a sub-select), so that it
    does not match each against the 1,000 sampled documents of migration 0027 (about 0.4 ms
    a term: half the planning of a later tier's statement).  The guess is small and only
    makes the trigram index more likely; the terms the index looks up keep their estimates
    ("559 summ" at word starts: planning 1.6 -> 0.8 ms, the plan the same)."""
    if is_postgres():
        where, params = _pg_doc_where(words, tier, estimated)
        return (f"SELECT s.account_id, s.doc, a.status, (s.ctid::text::point)[0] FROM account_search s "
                f"JOIN account a ON a.id = s.account_id WHERE {where} LIMIT ?", params + [limit])
    found, checked = _doc_terms(words, tier)
    where = "account_fts MATCH ?" + "".join(" AND instr(f.doc, ?) > 0" for _ in checked)
    return (f"SELECT f.rowid, f.doc, a.status, f.rowid FROM account_fts f JOIN account a ON a.id = f.rowid "
            f"WHERE {where} LIMIT ?",
            [_fts_match(found)] + checked + [limit])


def _pg_doc_where(words: list[str], tier: int, estimated: bool) -> tuple[str, list]:
    """PostgreSQL: the condition on ``account_search s`` of ``_doc_query``."""
    found, checked = _doc_terms(words, tier)
    # A term checked on the rows is a LIKE too, inside "IS TRUE": the planner estimates how
    # many documents hold it from its sample (a whole-word "ket" almost none, where "ket "
    # is in 1.6%: "market") and reads the index, where strpos() left it guessing a third
    # and reading the whole table in order, 200 ms; and no index is asked for it.
    like, pattern = "s.doc LIKE ? ESCAPE '\\'", lambda t: "%" + _like_escape(t) + "%"
    check = like if estimated else "s.doc LIKE (SELECT ?::text) ESCAPE '\\'"
    clauses, params = [like] * len(found), [pattern(t) for t in found]
    for t in checked:  # each condition beside its parameter
        if len(t) >= MIN_SUBSTRING:
            clauses.append(f"({check}) IS TRUE")
            params.append(pattern(t))
        else:
            clauses.append("strpos(s.doc, ?) > 0")
            params.append(t)
    return " AND ".join(clauses), params


ANYWHERE_READ = 30  # _anywhere_and_starts_query reads at most this many times the candidates
READ_COUNT = -1  # the tier of its row that counts what it read


def _anywhere_and_starts_query(words: list[str], limit: int, estimated: bool = True) -> Query:
    """PostgreSQL: the rows of ``_doc_query`` for the words anywhere (INSIDE) and at word
    starts (PREFIX), up to ``limit`` of each, from one scan, each row with its tier.

    Every word start is inside a word too, so the word starts are among the rows found
    anywhere, in the same order: the statement reads those rows once (a CTE, which the
    server computes only as far as its readers ask), the first ``limit`` of them and the
    first ``limit`` that hold every word at a word start, where two statements read them
    twice - the trigram index twice, as a bitmap the whole match, and planned twice ("515
    rich", 100 anywhere and 78 word starts at 1,000,000 accounts: 8.7 -> 4.7 ms).  The
    status is read for the rows sent only (a sub-select): joined in the scan, the planner
    hashed the whole account table or ran the scan in parallel workers.

    The scan reads at most ``ANYWHERE_READ`` times ``limit`` rows: planned for every match,
    a word in a third of the documents ("559", an area code) was a bitmap of 300,000 rows
    (25 ms, where the table read in order finds both hundreds in 1.3 ms).  When the word
    starts do not fill ``limit`` in those, a last row (tier ``READ_COUNT``) says how many
    were read: all of them, and the word starts may go on after them (``_candidates`` then
    reads them alone)."""
    where, params = _pg_doc_where(words, INSIDE, estimated)
    starts = " AND ".join("strpos(m.doc, ?) > 0" for _ in words)
    status = "(SELECT a.status FROM account a WHERE a.id = {0}.account_id)"
    return (f"WITH m AS MATERIALIZED (SELECT s.account_id, s.doc, (s.ctid::text::point)[0] AS place "
            f"FROM account_search s WHERE {where} LIMIT ?), "
            f"p AS MATERIALIZED (SELECT * FROM m WHERE {starts} LIMIT ?) "
            f"(SELECT m.account_id, m.doc, {status.format('m')}, m.place, {INSIDE} FROM m LIMIT ?) UNION ALL "
            f"(SELECT p.account_id, p.doc, {status.format('p')}, p.place, {PREFIX} FROM p) UNION ALL "
            f"(SELECT NULL, NULL, NULL, count(*), {READ_COUNT} FROM m WHERE (SELECT count(*) FROM p) < ?)",
            params + [ANYWHERE_READ * limit] + [f" {w}" for w in words] + [limit, limit, limit])


def _fields(doc: str) -> tuple[list[tuple[str, int, int, str]], list[tuple[list[str], list[str]]]]:
    """The fields of a document as (" word word ", field class, party index or -1, marker),
    and its parties as (first name words, last name words)."""
    fields: list[tuple[str, int, int, str]] = []
    parties: list[tuple[list[str], list[str]]] = []
    for seg in doc.split(" |"):
        mark = seg[:1]
        if mark == "+" or (mark == " " and seg.strip()):
            k = len(seg) - len(seg.lstrip("+"))
            words = seg[k:].split()
            parties.append((words[:k], words[k:]))
            if k:
                fields.append((" " + " ".join(words[:k]) + " ", FIRST, len(parties) - 1, "+"))
            fields.append((" " + " ".join(words[k:]) + " ", IDENT, len(parties) - 1, "+"))
        elif mark == "&":  # the account number, also without its check digit and zeros
            number = seg[1:].strip()
            fields.append((f" {number} {number[:-1].lstrip('0')} ", IDENT, -1, mark))
        elif mark in MARK_CLASS:
            fields.append((seg[1:] + " ", MARK_CLASS[mark], len(parties) - 1 if mark in "@#" else -1, mark))
    return fields, parties


def _word_match(word: str, fields: list[tuple[str, int, int, str]]) -> tuple[int, int, int, str]:
    """(how, field class, party, field marker) of the best match of ``word`` in the fields."""
    best = (INSIDE + 1, MAIL + 1, -1, "")
    whole, start = f" {word} ", f" {word}"
    for text, cls, party, mark in fields:
        if whole in text:
            how = EXACT
        elif start in text:
            how = PREFIX
        elif word in text:
            how = INSIDE
        else:
            continue
        if (how, cls) < best[:2]:
            best = (how, cls, party, mark)
            if how == EXACT and cls == IDENT:
                break
    return best


def rank(words: list[str], doc: str, status: str) -> tuple[tuple, str]:
    """(sort key, the folded name of the party the words found, if any) of one candidate.

    Whole words before word starts before words found inside another; then the words in one
    party's name before words spread over several parties' ("ana perez" is Ana Perez, not
    Ana Smith renting from a Perez); then surnames and
    identifiers (house number, phone, meter, account number) before first names, before
    streets and units (as good as a surname beside their house number), before mailing
    addresses; open accounts before final-billed and closed
    ones; then by name ("last first"), the name the words found, or the first party's."""
    fields, parties = _fields(doc)
    matches = [_word_match(w, fields) for w in words]
    # the house number typed whole: the street words beside it are an address, as good as a name
    address = any(how == EXACT and mark == "^" for how, _cls, _party, mark in matches)
    hows = sum(m[0] for m in matches)
    clss = sum(IDENT if address and mark in ("=", "/") else cls for _how, cls, _party, mark in matches)
    votes: dict[int, int] = {}
    for _how, _cls, party, _mark in matches:
        if party >= 0:
            votes[party] = votes.get(party, 0) + 1
    chosen = parties[max(votes, key=lambda k: votes[k])] if votes else (parties[0] if parties else None)
    sort_name = " ".join(chosen[1] + chosen[0]) if chosen else ""
    name = " ".join(chosen[0] + chosen[1]) if votes and chosen else ""
    return (hows, len(votes) > 1, clss, status in INACTIVE, sort_name), name


# How far the index reaches: SQLite's FTS rows come in rowid (account id) order; PostgreSQL's
# in the order of the table's pages (a bitmap or sequential scan), the page in ctid.
INDEX_END = {False: "SELECT max(id) FROM account",
             True: "SELECT pg_relation_size('account_search') / current_setting('block_size')::int"}


def _estimate(rows: list[tuple], end: int) -> int:
    """How many accounts match, from the first ``len(rows)`` in index order: they took up the
    index up to the last one's place (of ``end``)."""
    last = max((r[3] for r in rows), default=0) + 1
    return max(len(rows) + 1, round(len(rows) * max(end, last) / last))  # capped: more than were read


def _whole(words: list[str], doc: str) -> bool:
    """The document holds every word as a whole word (the EXACT tier's condition)."""
    return all(f" {w} " in doc for w in words)


def _candidates(words: list[str], want: int) -> tuple[list[tuple], int, bool, int]:
    """The candidates of a word search: (their rows, an estimate of how many accounts match,
    whether more match than were read, how many hold every word whole).

    The rows are those of the three tiers as far as each reaches (``want``): whole words and
    word starts are never crowded out by partial matches, and when the whole words alone
    fill the candidates nothing else is read.  A tier is read only when the ones before leave
    room, one statement at a time: each is a few milliseconds of the server's at 1,000,000
    accounts.  One word starts with the whole words, which a common surname fills at once;
    several start anywhere, which a house number and the start of a street usually fit in
    (its rows tell the whole words among them).  On PostgreSQL the word starts come in the
    same statement as the words anywhere (``_anywhere_and_starts_query``: one scan, one
    plan, one round trip).  The first statement's plan decides for a rare term
    (``_doc_query``'s checked terms estimated); the later ones are planned with less work."""
    reach: list[int] = []  # how far the index goes (``_estimate``), read with the first tier

    def read(query: Query) -> list[tuple]:
        if reach:
            return _send(query).fetchall()
        with pipelined():  # one round trip to PostgreSQL
            cursor, top = _send(query), _send((INDEX_END[is_postgres()], []))
            rows = cursor.fetchall()
            reach.append(int(top.fetchone()[0] or 0))
        return rows

    def tier(t: int) -> list[tuple]:
        return read(_doc_query(words, t, want, estimated=not reach))

    def anywhere_and_starts() -> tuple[list[tuple], list[tuple] | None]:
        """The rows found anywhere and, when they fill the candidates, at word starts."""
        if not is_postgres():  # no planning nor round trip to save: the second only if needed
            broad = tier(INSIDE)
            return broad, tier(PREFIX) if len(broad) >= want else None
        rows = read(_anywhere_and_starts_query(words, want, estimated=not reach))
        broad, prefix = [r[:4] for r in rows if r[4] == INSIDE], [r[:4] for r in rows if r[4] == PREFIX]
        if len(prefix) < want and any(r[4] == READ_COUNT and r[3] >= ANYWHERE_READ * want for r in rows):
            prefix = tier(PREFIX)  # the read stopped before the word starts did
        return broad, prefix

    def estimate(rows: list[tuple]) -> int:
        return _estimate(rows, reach[0])

    exact = tier(EXACT) if len(words) == 1 else None
    if exact is not None and len(exact) >= want:  # every word whole ranks above any other match
        return exact, estimate(exact), True, want
    broad, prefix = anywhere_and_starts()
    if len(broad) < want or prefix is None:  # every match read
        return broad, len(broad), False, sum(_whole(words, r[1]) for r in broad)
    if exact is None:
        exact = tier(EXACT) if len(prefix) >= want else [r for r in prefix if _whole(words, r[1])]
    if len(exact) >= want:
        return exact, estimate(broad), True, want
    return broad + exact + prefix, estimate(broad), True, len(exact)


def _hows(words: list[str], doc: str) -> int:
    """How well the words match the document (``rank``'s first key: how each word matched,
    summed) without making its fields: a word's best match in any field is its best in the
    document's text, or in the account number without its check digit and zeros, which
    ``_fields`` adds.  A word the document does not hold counts as found inside a word
    (``rank``: worse), so this is never more than ``rank``'s."""
    at = doc.rfind(" |& ")
    short = doc[at + 4:].split(" ", 1)[0][:-1].lstrip("0") if at >= 0 else ""
    total = 0
    for w in words:
        if f" {w} " in doc or w == short:
            continue  # EXACT: 0
        total += PREFIX if f" {w}" in doc or short.startswith(w) else INSIDE
    return total


def _best(words: list[str], rows: list[tuple], limit: int) -> list[tuple[tuple[tuple, str], int]]:
    """The ``limit`` best of the candidate rows, best first, as ((``rank``'s key, name),
    account id).

    ``rank`` makes every field of a document; most of a capped search's 100-200 candidates
    match worse than the page's last (found inside a word where the page's are word starts)
    and cannot be on it.  They are taken in the order of ``_hows``, which is never more than
    ``rank``'s first key, and ranked until the next one's ``_hows`` is above the first key of
    the page's last so far: the rest rank below at least ``limit`` others."""
    todo = sorted(((_hows(words, doc), aid, doc, status) for aid, doc, status, _place in rows),
                  key=lambda c: (c[0], c[1]))
    ranked: list[tuple[tuple[tuple, str], int]] = []
    firsts: list[int] = []  # the ranked ones' first keys, in order
    for least, aid, doc, status in todo:
        if len(firsts) >= limit and least > firsts[limit - 1]:
            break
        key = rank(words, doc, status)
        ranked.append((key, aid))
        bisect.insort(firsts, key[0][0])
    ranked.sort(key=lambda x: (x[0][0], x[1]))
    return ranked[:limit]


def _doc_search(words: list[str], limit: int, shown: frozenset[int]) -> SearchPage:
    want = max(CANDIDATES, len(shown) + limit)
    with planned_each_time():
        found, total, capped, whole = _candidates(words, want)
    rows = {r[0]: r for r in found}
    page = _best(words, [r for aid, r in rows.items() if aid not in shown], limit)
    names = {aid: name for (_key, name), aid in page}
    hits = _hits({aid: "name" if names[aid] else "address" for _, aid in page}, {}, prefer=names,
                 order=[aid for _, aid in page])
    return SearchPage(hits, total, capped, len(shown), whole=whole)


def search_accounts(user: User, text: str, limit: int = 50, shown=()) -> SearchPage:
    """Accounts matching ``text`` (see the module doc), the ``limit`` best ones not in
    ``shown`` (the account ids of the pages on screen: the next page is the best of the rest,
    so no account is left out or shown twice though more candidates are ranked for it), as a
    ``SearchPage``: a list of hits that knows how many match.

    Round trips to PostgreSQL: identifiers at most three; words one for each tier read (one
    to three, ``_candidates``) and one for the hits.

    Raises InputError for text that cannot be searched (too long) and for a mistyped
    account number (wrong check digit) that matches nothing else."""
    require(user, "account.view")
    text = searchable(text).strip()  # NUL or a lone surrogate: nothing stored has them
    if not text:
        return SearchPage()
    if len(text) > MAX_TEXT:
        raise InputError("Search", f"type at most {MAX_TEXT} characters")
    limit, shown = max(1, int(limit)), frozenset(shown)
    words = fold(text).split()
    if words and not NUMERIC.match(text) and "@" not in text and not (
            len(text.split()) == 1 and any(c.isdigit() for c in text)) and any(len(w) > 1 for w in words):
        return _doc_search(words, limit, shown)
    # identifiers typed alone, and names typed as one-letter starts: at most ``want`` found
    want = len(shown) + limit
    error = None
    try:
        hits = _identifier_search(text, words, want)
    except InputError as e:
        hits, error = [], e
    if not hits and NUMERIC.match(text) and len(words) == 1 and len(words[0]) <= 6:
        # "the last four of your phone" (or a house number) typed alone: no account, meter or
        # full phone has it, so the words of the accounts' documents are searched
        page = _doc_search(words, limit, shown)
        if page or error is None:
            return page
    if error is not None:
        raise error
    return SearchPage([h for h in hits if h.account_id not in shown][:limit], len(hits), len(hits) >= want,
                      len(shown))


def _identifier_search(text: str, words: list[str], limit: int) -> list[AccountHit]:
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


@contextmanager
def documents_paused(first_id: int, last_id: int):
    """Inside a write transaction of bulk inserts (the demo's chunks): the search triggers do
    nothing, and the documents of accounts ``first_id``..``last_id`` are written at the end
    in one statement (a trigger per row made the demo build ten times slower).  The flag row
    lives and dies in the transaction: no other connection sees it."""
    database.execute_sql("INSERT INTO account_search_paused (since) VALUES ('bulk load')")
    yield
    database.execute_sql("DELETE FROM account_search_paused")
    if first_id > last_id:
        return
    if is_postgres():
        database.execute_sql("SELECT ubtui_account_search_refresh(ARRAY(SELECT id FROM account "
                             "WHERE id BETWEEN %s AND %s))", (first_id, last_id))
        return
    migration = importlib.import_module("ubtui.migrations.0009_account_search")
    database.execute_sql("DELETE FROM account_fts WHERE rowid BETWEEN ? AND ?", (first_id, last_id))
    doc = migration.doc_sql(migration._sqlite_agg, migration._sqlite_right)
    database.execute_sql(f"INSERT INTO account_fts(rowid, doc) {doc} "
                         "WHERE a.id BETWEEN ? AND ?", (first_id, last_id))


# the tables an account's search document is made of, and the documents' own table
DOCUMENT_TABLES = ("customer", "premise", "phone", "meter", "account", "account_customer", "account_search")


def analyze_documents(db) -> None:
    """(PostgreSQL) fresh planner statistics for the document tables."""
    for table in DOCUMENT_TABLES:
        db.execute_sql(f'ANALYZE "{table}"')


def optimize_indexes(user: User) -> None:
    """After a bulk load (demo, import): merge the SQLite FTS5 segments and refresh the
    planner statistics, or on PostgreSQL flush the GIN pending lists and ANALYZE.

    Searches are right without it, only slower until the database gets round to it."""
    require(user, "db.admin")
    db = database.obj
    if is_postgres():
        for index in ("customer_search_name_trgm", "premise_search_address_trgm", "account_search_doc_trgm"):
            db.execute_sql(f"SELECT gin_clean_pending_list('{index}'::regclass)")
        analyze_documents(db)
        return
    for fts in ("customer_fts", "premise_fts", "account_fts"):
        db.execute_sql(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")
    db.execute_sql("ANALYZE")
