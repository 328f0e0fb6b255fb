"""One search document per account, so the words of a query may mix fields (issue #20).

"garcia oak" is a last name and a street word, "garcia 107" a last name and a house number:
no one field holds both, and intersecting a name's accounts with a street's in SQL reads
thousands of rows for two common words.  The document of an account holds every field a
clerk may type, folded, each after a marker ``ubtui.search.rank`` reads back::

     |+ maria garcia |@ 107 oak st  |# 2095550107 0107 5550107 |^ 107 |= 107 oak st |/  |$ mtr0042 |& 00123455 |

* ``|`` then one ``+`` per word of the first name, then the party's folded name
  (``customer.search_name``: first name words, then last name words; none for organisations),
  ``|@`` its mailing address lines (lower case), ``|#`` each of its phones (and its last 4
  and 7 digits);
* ``|^`` the house number, ``|=`` the folded service address, ``|/`` the unit;
* ``|$`` each meter at the premise (no dashes), ``|&`` the account number.

The markers are punctuation: no typed word holds any (``fold``), and pg_trgm indexes only
letters and digits, so a marker is never a word of the document.

The document starts and ends with a space, so " 107 " matches the word 107 alone and " gar"
the start of a word.  It is indexed by trigrams (SQLite FTS5, rowid = account id;
PostgreSQL ``account_search`` with a pg_trgm GIN index) and kept in step by triggers on every
table it reads (account, account_customer, customer, phone, premise, meter): a rename or a
new phone is found at once whichever code path made it.  Balance and status changes do not
touch it.
"""
import peewee

FIRST_WORDS = ("CASE WHEN c.kind = 'person' AND trim(c.first_name) <> '' THEN "
               "length(trim(c.first_name)) - length(replace(replace(trim(c.first_name), ' ', ''), '-', '')) + 1 "
               "ELSE 0 END")


def doc_sql(agg, right) -> str:
    """SELECT account id, document FROM account a JOIN premise p (the caller adds WHERE).

    ``agg(expr, rows, order)``: a scalar subquery of the dialect joining ``expr`` over
    ``rows`` (a FROM ... WHERE clause) in ``order``, without separator, '' when none;
    ``right(expr, n)``: the last ``n`` characters of ``expr``."""
    # a phone's last 4 and last 7 digits are words of their own: typed, they are whole words
    phones = agg(f"' |# ' || ph.digits || ' ' || {right('ph.digits', 4)} || ' ' || {right('ph.digits', 7)}",
                 "FROM phone ph WHERE ph.customer_id = c.id", "ph.id")
    party = (f"' |' || substr('++++++++++', 1, {FIRST_WORDS}) || ' ' || c.search_name"
             f" || ' |@ ' || lower(c.mail_line1) || ' ' || lower(c.mail_line2) || {phones}")
    # the party the results show first (ubtui.search._hits): current, tenant, owner, billing
    parties = agg(party, "FROM account_customer ac JOIN customer c ON c.id = ac.customer_id WHERE ac.account_id = a.id",
                  "ac.end_date IS NOT NULL, CASE ac.role WHEN 'tenant' THEN 0 WHEN 'owner' THEN 1 ELSE 2 END, "
                  "c.display_name")
    meters = agg("' |$ ' || lower(replace(m.serial, '-', ''))",
                 "FROM meter m WHERE m.premise_id = a.premise_id AND m.removed_on IS NULL", "m.id")
    return (f"SELECT a.id, {parties} || ' |^ ' || lower(p.house_number) || ' |= ' || p.search_address"
            f" || ' |/ ' || lower(p.unit) || {meters} || ' |& ' || a.number || ' | ' "
            "FROM account a JOIN premise p ON p.id = a.premise_id")


def _sqlite_agg(expr: str, rows: str, order: str) -> str:
    # SQLite 3.40 has no ORDER BY in an aggregate: group_concat takes the rows of an ordered
    # subquery in their order
    return f"COALESCE((SELECT group_concat(x, '') FROM (SELECT {expr} AS x {rows} ORDER BY {order})), '')"


def _sqlite_right(expr: str, n: int) -> str:
    return f"substr({expr}, -{n})"


def _postgres_right(expr: str, n: int) -> str:
    return f"right({expr}, {n})"


def _postgres_agg(expr: str, rows: str, order: str) -> str:
    return f"COALESCE((SELECT string_agg({expr}, '' ORDER BY {order}) {rows}), '')"


def _sources(row: str) -> dict[str, str]:
    """For a changed row (``new`` or ``old``) of each table: the accounts whose documents read it."""
    return {
        "account": f"SELECT {row}.id",
        "account_customer": f"SELECT {row}.account_id",
        "customer": f"SELECT account_id FROM account_customer WHERE customer_id = {row}.id",
        "phone": f"SELECT account_id FROM account_customer WHERE customer_id = {row}.customer_id",
        "premise": f"SELECT id FROM account WHERE premise_id = {row}.id",
        "meter": f"SELECT id FROM account WHERE premise_id = {row}.premise_id",
    }


# A row here (inserted and deleted inside one bulk-load transaction, so no other connection
# ever sees it: ubtui.search.documents_paused) turns the triggers off; the bulk load then
# writes the documents of its new accounts in one statement.
PAUSED = "CREATE TABLE account_search_paused (since TEXT)"

# Updates that change a document (every other update, e.g. a balance, leaves it alone).
CHANGED = {
    "account": ("number", "premise_id"),
    "account_customer": ("account_id", "customer_id"),
    "customer": ("kind", "first_name", "search_name", "mail_line1", "mail_line2"),
    "phone": ("customer_id", "digits"),
    "premise": ("house_number", "search_address", "unit"),
    "meter": ("serial", "premise_id", "removed_on"),
}
# Inserts and deletes that change a document (a new customer or premise has no account yet).
ROW_EVENTS = ("account", "account_customer", "phone", "meter")


LIVE = "NOT EXISTS (SELECT 1 FROM account_search_paused)"


def _sqlite_refresh(doc: str, ids: str) -> str:
    """Trigger body: the documents of the accounts ``ids`` (a SELECT) written again."""
    return (f"DELETE FROM account_fts WHERE rowid IN ({ids}); "
            f"INSERT INTO account_fts(rowid, doc) {doc} WHERE a.id IN ({ids});")


def sqlite_update_trigger(table: str, of: str = "") -> str:
    """The AFTER UPDATE trigger of ``table`` (``of``: "OF col, ..." since migration 0024)."""
    doc = doc_sql(_sqlite_agg, _sqlite_right)
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in CHANGED[table])
    refresh = f"{_sqlite_refresh(doc, _sources('old')[table])} {_sqlite_refresh(doc, _sources('new')[table])}"
    return (f'CREATE TRIGGER {table}_search_au AFTER UPDATE {of}ON "{table}" WHEN ({changed}) AND {LIVE} '
            f'BEGIN {refresh} END')


def _sqlite(db):
    db.execute_sql("CREATE VIRTUAL TABLE account_fts USING fts5(doc, tokenize='trigram')")
    doc = doc_sql(_sqlite_agg, _sqlite_right)

    def refresh(ids: str) -> str:
        return _sqlite_refresh(doc, ids)

    db.execute_sql(PAUSED)
    for table in CHANGED:
        stale = _sources("old")[table]
        fresh = _sources("new")[table]
        db.execute_sql(sqlite_update_trigger(table))
        if table in ROW_EVENTS:
            db.execute_sql(f'CREATE TRIGGER {table}_search_ai AFTER INSERT ON "{table}" WHEN {LIVE} '
                           f'BEGIN {refresh(fresh)} END')
            db.execute_sql(f'CREATE TRIGGER {table}_search_ad AFTER DELETE ON "{table}" WHEN {LIVE} '
                           f'BEGIN {refresh(stale)} END')
    db.execute_sql(f"INSERT INTO account_fts(rowid, doc) {doc}")


def _postgres(db):
    db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    db.execute_sql('CREATE TABLE account_search (account_id INTEGER PRIMARY KEY REFERENCES "account" (id) '
                   'ON DELETE CASCADE, doc TEXT NOT NULL)')
    doc = doc_sql(_postgres_agg, _postgres_right)
    db.execute_sql(PAUSED)
    db.execute_sql(f"""CREATE FUNCTION ubtui_account_search_refresh(ids integer[]) RETURNS void AS $fn$
        INSERT INTO account_search (account_id, doc) {doc} WHERE a.id = ANY(ids)
        ON CONFLICT (account_id) DO UPDATE SET doc = EXCLUDED.doc
        WHERE account_search.doc IS DISTINCT FROM EXCLUDED.doc
        $fn$ LANGUAGE sql""")
    for table in CHANGED:
        old, new = _sources("OLD")[table], _sources("NEW")[table]
        db.execute_sql(f"""CREATE FUNCTION ubtui_{table}_search() RETURNS trigger AS $fn$ BEGIN
            IF EXISTS (SELECT 1 FROM account_search_paused) THEN RETURN NULL; END IF;
            IF TG_OP <> 'INSERT' THEN PERFORM ubtui_account_search_refresh(ARRAY({old})); END IF;
            IF TG_OP <> 'DELETE' THEN PERFORM ubtui_account_search_refresh(ARRAY({new})); END IF;
            RETURN NULL; END $fn$ LANGUAGE plpgsql""")
        db.execute_sql(postgres_update_trigger(table))
        if table in ROW_EVENTS:
            db.execute_sql(f'CREATE TRIGGER {table}_search_aid AFTER INSERT OR DELETE ON "{table}" FOR EACH ROW '
                           f'EXECUTE FUNCTION ubtui_{table}_search()')
    db.execute_sql(f"INSERT INTO account_search (account_id, doc) {doc}")
    db.execute_sql("CREATE INDEX account_search_doc_trgm ON account_search USING gin (doc gin_trgm_ops)")
    db.execute_sql("ANALYZE account_search")


def postgres_update_trigger(table: str, of: str = "") -> str:
    """The AFTER UPDATE trigger of ``table`` (``of``: "OF col, ..." since migration 0024)."""
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in CHANGED[table])
    return (f'CREATE TRIGGER {table}_search_au AFTER UPDATE {of}ON "{table}" FOR EACH ROW '
            f'WHEN ({changed}) EXECUTE FUNCTION ubtui_{table}_search()')


def up(migrator, db):
    if isinstance(db, peewee.PostgresqlDatabase):
        _postgres(db)
    else:
        _sqlite(db)
