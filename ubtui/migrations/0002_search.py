"""Search indexes (ubtui.search): substring search on names and addresses, exact numbers.

* SQLite: FTS5 tables with the trigram tokenizer over ``customer.search_name`` and
  ``premise.search_address`` (external content: the text lives once, in the tables;
  triggers keep the index in step with every INSERT, UPDATE and DELETE).  Only MATCH is
  ever asked of them, and they index the text after a space (see ``_sqlite``).
* PostgreSQL: ``pg_trgm`` GIN indexes on the same two columns (``LIKE '%smi%'`` uses them),
  and ``text_pattern_ops`` B-trees so ``LIKE 'sm%'`` prefix matches use an index whatever
  the database collation.
* Both: expression indexes for lookups typed in a form the table does not store: the last
  seven digits of a phone number, a parcel number or meter serial without its dashes, a
  last name prefix.
"""
import peewee

# A meter serial typed without its dashes or in lower case ("mtr0042" finds "MTR-0042").
METER_PLAIN = "CREATE INDEX IF NOT EXISTS meter_serial_plain ON meter (upper(replace(serial, '-', '')))"
# (fts table, content table, column)
FTS = [("customer_fts", "customer", "search_name"), ("premise_fts", "premise", "search_address")]


def _sqlite(db):
    for fts, table, col in FTS:
        # The index holds ' ' || col: every word, the first too, starts after a space, so the
        # trigram ' jo' finds words that start with "jo" (ubtui.search, short words).
        db.execute_sql(f"CREATE VIRTUAL TABLE {fts} USING fts5({col}, content='{table}', "
                       f"content_rowid='id', tokenize='trigram')")
        db.execute_sql(f"""CREATE TRIGGER {fts}_ai AFTER INSERT ON "{table}" BEGIN
            INSERT INTO {fts}(rowid, {col}) VALUES (new.id, ' ' || new.{col}); END""")
        db.execute_sql(f"""CREATE TRIGGER {fts}_ad AFTER DELETE ON "{table}" BEGIN
            INSERT INTO {fts}({fts}, rowid, {col}) VALUES ('delete', old.id, ' ' || old.{col}); END""")
        db.execute_sql(f"""CREATE TRIGGER {fts}_au AFTER UPDATE OF {col} ON "{table}" BEGIN
            INSERT INTO {fts}({fts}, rowid, {col}) VALUES ('delete', old.id, ' ' || old.{col});
            INSERT INTO {fts}(rowid, {col}) VALUES (new.id, ' ' || new.{col}); END""")
        # not 'rebuild': that would index the column without the leading space
        db.execute_sql(f"INSERT INTO {fts}(rowid, {col}) SELECT id, ' ' || {col} FROM {table}")
    db.execute_sql("CREATE INDEX IF NOT EXISTS phone_last7 ON phone (substr(digits, -7))")
    db.execute_sql("CREATE INDEX IF NOT EXISTS premise_parcel_digits ON premise (replace(parcel_number, '-', ''))")
    db.execute_sql("CREATE INDEX IF NOT EXISTS customer_last_name_lower ON customer (lower(last_name))")
    db.execute_sql(METER_PLAIN)


def _postgres(db):
    db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for _fts, table, col in FTS:
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS {table}_{col}_trgm ON "{table}" USING gin ({col} gin_trgm_ops)')
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS {table}_{col}_prefix ON "{table}" ({col} text_pattern_ops)')
    db.execute_sql("CREATE INDEX IF NOT EXISTS phone_last7 ON phone (right(digits, 7))")
    db.execute_sql("CREATE INDEX IF NOT EXISTS premise_parcel_digits ON premise "
                   "(replace(parcel_number, '-', ''))")
    db.execute_sql("CREATE INDEX IF NOT EXISTS customer_last_name_lower ON customer "
                   "(lower(last_name) text_pattern_ops)")
    db.execute_sql(METER_PLAIN)


def up(migrator, db):
    if isinstance(db, peewee.PostgresqlDatabase):
        _postgres(db)
    else:
        _sqlite(db)
