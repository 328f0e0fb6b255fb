"""ubtui.search.search_accounts on both backends: every kind of query the counter types."""
from __future__ import annotations

import pytest

from models import Account, AccountCustomer, Customer, Email, Meter, Phone, Premise
from ubtui.accounts import (
    create_customer,
    create_premise,
    format_account_number,
    open_account,
    set_payment_flags,
    set_protections,
    set_status,
)
from ubtui.errors import InputError, PermissionDenied
from ubtui.search import customer_ids_by_name, optimize_indexes, search_accounts


@pytest.fixture
def town(system, clerk):
    """A few accounts with names, addresses, phones, parcels and meters worth telling apart."""

    def make(first, last, house, street, phone, parcel, unit="", kind="person"):
        cust = create_customer(system, first_name=first, last_name=last, kind=kind, phones=[("home", phone)])
        prem = create_premise(system, house_number=house, street=street, unit=unit, parcel_number=parcel)
        return open_account(system, premise=prem, customers=[(cust, "owner")], status="active")

    accts = {
        "nunez": make("José", "Núñez", "101", "Main St", "(555) 201-0001", "001-101-00"),
        "smith": make("Pat", "Smith", "102", "Main St", "555-201-0002", "001-102-00"),
        "smithson": make("Jo", "Smithson", "12", "Oak Ave", "555-201-0003", "001-103-00", unit="Apt 4"),
        "olsen": make("Ann", "Olsen", "101", "North Oak Ave", "555-777-0004", "002-200-00"),
        "acme": make("", "Acme Bottling Co", "500", "Industrial Way", "555-201-0005", "003-300-00",
                     kind="organization"),
    }
    Meter.create(serial="MTR-0042", premise=accts["smith"].premise_id)
    Meter.create(serial="77665544", premise=accts["olsen"].premise_id)
    return accts


def ids(hits):
    return [h.account_id for h in hits]


def test_account_number_with_or_without_dash_and_check_digit(clerk, town):
    a = town["smith"]
    formatted = format_account_number(a.number)  # "0001002-x"
    for typed in (formatted, a.number, a.number[:-1], a.number[:-1].lstrip("0"),
                  a.number[:-1].lstrip("0") + "-" + a.number[-1], " " + formatted + " "):
        hits = search_accounts(clerk, typed)
        assert ids(hits) == [a.id], typed
        assert hits[0].matched == "account"
        assert hits[0].number == formatted


def test_wrong_check_digit_is_reported_when_nothing_else_matches(clerk, town):
    a = town["smith"]
    wrong = a.number[:-1] + str((int(a.number[-1]) + 1) % 10)
    with pytest.raises(InputError) as e:
        search_accounts(clerk, wrong)
    assert "check digit" in str(e.value)
    assert e.value.field == "Account"


def test_unknown_number_finds_nothing(clerk, town):
    assert search_accounts(clerk, "9999") == []


def test_name_partial_any_word_case_and_accents(clerk, town):
    nunez, smith, smithson = town["nunez"].id, town["smith"].id, town["smithson"].id
    assert ids(search_accounts(clerk, "nunez")) == [nunez]
    assert ids(search_accounts(clerk, "NÚÑ")) == [nunez]
    assert ids(search_accounts(clerk, "josé")) == [nunez]
    assert set(ids(search_accounts(clerk, "smith"))) == {smith, smithson}
    assert ids(search_accounts(clerk, "mithso")) == [smithson]  # inside a word
    assert ids(search_accounts(clerk, "smith pat")) == [smith]  # any order, every word
    assert ids(search_accounts(clerk, "jo smith")) == [smithson]  # a short word starts a word
    assert search_accounts(clerk, "mi smith") == []  # ...not anywhere inside one
    assert ids(search_accounts(clerk, "josé ñu")) == [nunez]  # the start of a later word
    assert set(ids(search_accounts(clerk, "smith p"))) == {smith}  # one letter
    assert ids(search_accounts(clerk, "101 nor oa")) == [town["olsen"].id]
    assert ids(search_accounts(clerk, "bottling")) == [town["acme"].id]  # organisations
    hit = search_accounts(clerk, "nunez")[0]
    assert hit.name == "Núñez, José" and hit.matched == "name"
    assert hit.address == "101 Main St" and hit.status == "active" and hit.balance_cents == 0


def test_one_or_two_letters_match_the_start_of_a_name(clerk, town):
    assert set(ids(search_accounts(clerk, "sm"))) == {town["smith"].id, town["smithson"].id}  # last name
    assert ids(search_accounts(clerk, "pa")) == [town["smith"].id]  # first name
    assert ids(search_accounts(clerk, "o")) == [town["olsen"].id]
    assert search_accounts(clerk, "it") == []  # not a substring search
    assert ids(search_accounts(clerk, "pa sm")) == [town["smith"].id]
    assert search_accounts(clerk, "pa mi") == []


def test_a_limited_short_word_search_keeps_the_customers_found_first(clerk, system, town):
    """One letter looks up the starts of names, then of last names: the first ``limit``
    customers so found give the accounts, not whichever of both lists has the lower ids."""
    cust = create_customer(system, first_name="Oscar", last_name="Peters", kind="person")
    prem = create_premise(system, house_number="7", street="Elm St")
    oscar = open_account(system, premise=prem, customers=[(cust, "owner")], status="active")
    assert customer_ids_by_name(["o"], 1) == [cust.id]  # "oscar peters"; "olsen" is a last name
    assert ids(search_accounts(clerk, "o", limit=1)) == [oscar.id]
    assert set(ids(search_accounts(clerk, "o"))) == {oscar.id, town["olsen"].id}


def test_address_house_number_and_part_of_street(clerk, town):
    assert ids(search_accounts(clerk, "101 main")) == [town["nunez"].id]
    assert ids(search_accounts(clerk, "101 oak")) == [town["olsen"].id]
    assert ids(search_accounts(clerk, "101 ma")) == [town["nunez"].id]
    assert ids(search_accounts(clerk, "12 oak apt 4")) == [town["smithson"].id]
    assert search_accounts(clerk, "103 main") == []
    hits = search_accounts(clerk, "oak ave")
    assert set(ids(hits)) == {town["smithson"].id, town["olsen"].id}
    assert {h.matched for h in hits} == {"address"}
    assert ids(search_accounts(clerk, "industrial")) == [town["acme"].id]


def test_phone_in_any_format(clerk, town):
    nunez = town["nunez"].id
    for typed in ("5552010001", "(555) 201-0001", "555.201.0001", "+1 555 201 0001", "2010001", "201-0001"):
        hits = search_accounts(clerk, typed)
        assert ids(hits) == [nunez], typed
        assert hits[0].matched == "phone"
    assert search_accounts(clerk, "555-201-0009") == []


def test_the_last_four_of_a_phone_typed_alone(clerk, town):
    """"The last four of your phone?": four digits alone that name no account, meter or whole
    phone find the accounts whose phone ends so."""
    assert ids(search_accounts(clerk, "0004")) == [town["olsen"].id]
    assert ids(search_accounts(clerk, "777-0004")) == [town["olsen"].id]  # the last 7, as before
    assert search_accounts(clerk, "0009") == []


def test_meter_serial_and_parcel_number(clerk, town):
    assert ids(search_accounts(clerk, "mtr-0042")) == [town["smith"].id]
    assert search_accounts(clerk, "MTR0042")[0].matched == "meter"
    # eight digits with a wrong check digit: a meter serial, not a mistyped account
    hits = search_accounts(clerk, "77665544")
    assert ids(hits) == [town["olsen"].id] and hits[0].matched == "meter"
    for typed in ("002-200-00", "00220000"):
        hits = search_accounts(clerk, typed)
        assert ids(hits) == [town["olsen"].id], typed
        assert hits[0].matched == "parcel"


def test_email_address(clerk, town):
    Email.create(customer=Customer.get(Customer.last_name == "Olsen"), address="ann@example.com")
    hits = search_accounts(clerk, " Ann@Example.COM ")
    assert ids(hits) == [town["olsen"].id] and hits[0].matched == "email"
    assert search_accounts(clerk, "bob@example.com") == []


def test_index_follows_renames(clerk, system, town):
    c = Customer.get(Customer.last_name == "Olsen")
    Customer.update(last_name="Lindqvist", display_name="Lindqvist, Ann",
                    search_name="ann lindqvist").where(Customer.id == c.id).execute()
    assert search_accounts(clerk, "olsen") == []
    assert ids(search_accounts(clerk, "lindq")) == [town["olsen"].id]


def test_index_follows_address_changes_and_deletes(clerk, system, town):
    Premise.update(street="Juniper Ln", search_address="12 juniper ln apt 4").where(
        Premise.id == town["smithson"].premise_id).execute()
    assert ids(search_accounts(clerk, "juniper")) == [town["smithson"].id]
    assert search_accounts(clerk, "12 oak") == []
    loner = create_customer(system, first_name="Quentin", last_name="Zabriskie")
    assert customer_ids_by_name(["zabri"], 10) == [loner.id]
    Customer.delete().where(Customer.id == loner.id).execute()
    assert customer_ids_by_name(["zabri"], 10) == []


def test_flags_limit_and_wildcards(clerk, system, town):
    set_payment_flags(system, town["smith"].id, cash_only=True, reason="test")
    set_protections(system, town["smith"].id, medical_certificate=True, reason="test")
    Account.update(autopay=True).where(Account.id == town["smith"].id).execute()  # as autopay enrolment does
    hit = search_accounts(clerk, "smith pat")[0]
    assert hit.flags == "CASH AUTO MED"
    assert len(search_accounts(clerk, "main", limit=1)) == 1
    assert search_accounts(clerk, "%%%") == []
    assert search_accounts(clerk, "s_m") == []  # "_" is not a wildcard
    assert search_accounts(clerk, "") == []


def test_closed_accounts_sort_after_open_ones_that_match_as_well(clerk, system, town, make_account):
    """Open before closed among equal matches; an exact word still before a word start."""
    set_status(system, town["smith"].id, "closed", reason="test")
    other = make_account(first_name="Pat", last_name="Smith")
    hits = search_accounts(clerk, "smith")
    assert ids(hits) == [other.id, town["smith"].id, town["smithson"].id]


def test_needs_a_signed_in_user(db_url, town):
    with pytest.raises(PermissionDenied):
        search_accounts(None, "smith")


def test_too_long_text_is_refused(clerk, town):
    with pytest.raises(InputError):
        search_accounts(clerk, "x" * 200)


def test_optimize_indexes_after_a_bulk_load(clerk, system, town):
    with pytest.raises(PermissionDenied):
        optimize_indexes(clerk)
    optimize_indexes(system)
    assert ids(search_accounts(clerk, "jo smith")) == [town["smithson"].id]
    assert ids(search_accounts(clerk, "101 oak")) == [town["olsen"].id]


@pytest.mark.parametrize("backend", ["sqlite"])  # SQLite only, not a skipped PostgreSQL run
@pytest.mark.parametrize("text", ["ACCOUNT", "1002", "(555) 201-0001", "201-0001", "mtr0042", "00110100",
                                  "smith", "jo smith", "sm", "pa sm", "101 main", "oak ave", "a@b.com"])
def test_no_query_reads_a_whole_table(db, backend, clerk, town, text):
    """Every statement a search runs is answered from an index (SQLite's plan says SEARCH,
    or SCAN of the FTS table); PostgreSQL plans tiny tables with sequential scans, so the
    1,000,000-account plans are checked by bench/search_bench.py --plans instead."""
    if text == "ACCOUNT":
        text = format_account_number(town["smith"].number)
    seen = []
    original = db.execute_sql
    db.execute_sql = lambda sql, params=None, *a, **kw: seen.append((sql, params)) or original(sql, params, *a, **kw)
    try:
        search_accounts(clerk, text)
    finally:
        del db.execute_sql
    assert seen
    for sql, params in seen:
        plan = [row[-1] for row in original("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
        scans = [line for line in plan if line.startswith("SCAN") and "VIRTUAL TABLE" not in line]
        assert not scans, f"{text!r}: {sql} -> {plan}"


def test_apostrophes_fold_away(clerk, make_account):
    from ubtui.accounts import fold
    from ubtui.search import search_accounts
    assert fold("O’Brien-Smith") == fold("O'Brien Smith") == "obrien smith"
    a = make_account(last_name="O'Brien", first_name="Sean")
    for typed in ("obrien", "O'Brien", "o’brien"):
        assert [h.account_id for h in search_accounts(clerk, typed)] == [a.id], typed


# --- issue #20: words may mix fields, and the best match comes first ---------------------------

def test_a_last_name_with_a_street_word_or_a_house_number(clerk, town):
    assert ids(search_accounts(clerk, "smith main")) == [town["smith"].id]
    assert ids(search_accounts(clerk, "garcia main")) == []
    assert ids(search_accounts(clerk, "olsen 101")) == [town["olsen"].id]
    assert ids(search_accounts(clerk, "101 olsen")) == [town["olsen"].id]  # any order
    assert ids(search_accounts(clerk, "jose 101 main")) == [town["nunez"].id]
    assert ids(search_accounts(clerk, "smithson apt 4")) == [town["smithson"].id]  # the unit
    hit = search_accounts(clerk, "olsen 101")[0]
    assert hit.name == "Olsen, Ann" and hit.matched == "name"


def test_a_name_with_a_phone_meter_account_number_or_mailing_address(clerk, system, town):
    olsen = town["olsen"].id
    assert ids(search_accounts(clerk, "olsen 0004")) == [olsen]  # the phone's last 4
    assert ids(search_accounts(clerk, "ann 7770004")) == [olsen]  # ...its last 7
    assert ids(search_accounts(clerk, "smith mtr0042")) == [town["smith"].id]
    number = town["smith"].number  # "0001002x": found whole and without zeros or check digit
    assert ids(search_accounts(clerk, f"pat {number}")) == [town["smith"].id]
    assert ids(search_accounts(clerk, f"pat {number[:-1].lstrip('0')}")) == [town["smith"].id]
    cust = create_customer(system, first_name="Rita", last_name="Moreno", mail={"line1": "PO Box 4471"})
    prem = create_premise(system, house_number="9", street="Elm St")
    rita = open_account(system, premise=prem, customers=[(cust, "owner")], status="active")
    assert ids(search_accounts(clerk, "moreno box 4471")) == [rita.id]


def test_the_documents_follow_every_change(clerk, system, town):
    """Triggers keep each account's search text in step, whatever code made the change."""
    olsen = town["olsen"]
    cust = Customer.get(Customer.last_name == "Olsen")
    Phone.create(customer=cust, digits="5558889911")
    assert ids(search_accounts(clerk, "olsen 9911")) == [olsen.id]
    Customer.update(mail_line1="PO Box 12").where(Customer.id == cust.id).execute()
    assert ids(search_accounts(clerk, "olsen box")) == [olsen.id]
    Meter.create(serial="ZX-123", premise=olsen.premise_id)
    assert ids(search_accounts(clerk, "olsen zx123")) == [olsen.id]
    Premise.update(unit="Unit 9", search_address="101 north oak ave unit 9").where(
        Premise.id == olsen.premise_id).execute()
    assert ids(search_accounts(clerk, "olsen unit 9")) == [olsen.id]
    tenant = create_customer(system, first_name="Zed", last_name="Quill")
    AccountCustomer.create(account=olsen.id, customer=tenant, role="tenant")
    assert ids(search_accounts(clerk, "quill oak")) == [olsen.id]
    AccountCustomer.delete().where(AccountCustomer.customer == tenant.id).execute()
    assert search_accounts(clerk, "quill oak") == []


def test_whole_words_before_word_starts_before_words_inside(clerk, make_account):
    inside = make_account(last_name="Kleen", first_name="Ada")
    start = make_account(last_name="Leeds", first_name="Ada")
    whole = make_account(last_name="Lee", first_name="Ada")
    assert ids(search_accounts(clerk, "lee")) == [whole.id, start.id, inside.id]
    assert ids(search_accounts(clerk, "lee ada")) == [whole.id, start.id, inside.id]


def test_a_word_that_ends_another_is_not_a_whole_word(clerk, make_account):
    """PostgreSQL's index is asked for "lee " (no space before: cheaper trigrams) and the space
    before is checked on its rows: Ashlee ends with it and is a match inside a word."""
    inside = make_account(last_name="Kleen", first_name="Ada")
    ending = make_account(last_name="Ashlee", first_name="Ada")
    start = make_account(last_name="Leeds", first_name="Ada")
    whole = make_account(last_name="Lee", first_name="Ada")
    for text in ("lee", "lee ada", "ada lee"):
        page = search_accounts(clerk, text)
        assert ids(page) == [whole.id, start.id, ending.id, inside.id], text
        assert page.whole == 1 and page.total == 4 and not page.capped, text


def test_the_tiers_are_read_as_far_as_the_page_needs(clerk, make_account, monkeypatch):
    """Whole words that fill the candidates are the candidates; several words found
    anywhere, then at word starts, then whole: each tier read only when the one before is
    full, and the best match first whichever tier found it."""
    import ubtui.search as search
    monkeypatch.setattr(search, "CANDIDATES", 3)
    leesons = [make_account(last_name="Leeson", first_name=f"Al{i}") for i in range(4)]
    lees = [make_account(last_name="Lee", first_name=f"Bo{i}") for i in range(3)]
    page = search_accounts(clerk, "lee", limit=2)
    assert set(ids(page)) <= {a.id for a in lees} and page.capped and page.whole == 3
    page = search_accounts(clerk, "main lee", limit=2)  # anywhere and word starts full: whole words read
    assert ids(page) == [lees[0].id, lees[1].id] and page.capped and page.whole == 3
    page = search_accounts(clerk, "main leeso", limit=2)  # anywhere full, word starts not: no whole word
    assert set(ids(page)) <= {a.id for a in leesons} and page.capped and page.whole == 0
    page = search_accounts(clerk, "main bo1", limit=2)  # everything read at once
    assert ids(page) == [lees[1].id] and not page.capped and page.whole == 1 and page.total == 1


def test_postgres_reads_words_anywhere_and_at_word_starts_in_one_statement(backend, clerk, make_account,
                                                                          monkeypatch):
    """A capped several-word search needs the words anywhere and at word starts: on PostgreSQL
    one statement reads both (one scan, one plan, one round trip); SQLite reads the word
    starts only when the words anywhere fill the candidates."""
    import ubtui.search as search
    monkeypatch.setattr(search, "CANDIDATES", 3)
    sent: list[str] = []
    real_send = search._send
    monkeypatch.setattr(search, "_send", lambda q: sent.append(q[0]) or real_send(q))
    leesons = [make_account(last_name="Leeson", first_name=f"Al{i}") for i in range(4)]
    lees = [make_account(last_name="Lee", first_name=f"Bo{i}") for i in range(2)]

    def statements(text: str) -> int:
        sent.clear()
        search_accounts(clerk, text, limit=2)
        return len([sql for sql in sent if "account_search s" in sql or "account_fts f" in sql])

    one = 1 if backend == "postgres" else 0
    assert statements("main eeso") == 2 - one  # anywhere full, no word starts
    assert statements("main leeso") == 3 - one  # both full: whole words read too
    assert statements("main bo1") == 1  # few match: one statement either way
    page = search_accounts(clerk, "main eeso", limit=2)
    assert set(ids(page)) <= {a.id for a in leesons} and page.capped and page.whole == 0
    page = search_accounts(clerk, "main bo1", limit=2)
    assert ids(page) == [lees[1].id] and not page.capped and page.total == 1


def test_word_starts_after_the_rows_read_anywhere_are_still_found(clerk, make_account, monkeypatch):
    """PostgreSQL reads the words anywhere only so far (``ANYWHERE_READ`` times the
    candidates); word starts that come later are read on their own."""
    import ubtui.search as search
    monkeypatch.setattr(search, "CANDIDATES", 3)
    monkeypatch.setattr(search, "ANYWHERE_READ", 1)
    for i in range(4):
        make_account(last_name="Kleen", first_name=f"Al{i}")
    lees = [make_account(last_name="Lee", first_name=f"Bo{i}") for i in range(2)]
    page = search_accounts(clerk, "main lee", limit=2)
    assert ids(page) == [lees[0].id, lees[1].id] and page.capped and page.whole == 2


def test_candidates_that_cannot_reach_the_page_are_not_ranked(clerk, make_account, monkeypatch):
    """The fields of a candidate are made (``rank``) only while it can still be on the page:
    found inside a word, five Kleens rank below two whole Lees and are left out."""
    import ubtui.search as search
    ranked: list[str] = []
    real_rank = search.rank
    monkeypatch.setattr(search, "rank", lambda words, doc, status: ranked.append(doc) or real_rank(words, doc, status))
    kleens = [make_account(last_name="Kleen", first_name=f"Al{i}") for i in range(5)]
    lees = [make_account(last_name="Lee", first_name=f"Bo{i}") for i in range(3)]
    page = search_accounts(clerk, "lee", limit=2)
    assert ids(page) == [lees[0].id, lees[1].id] and page.total == 8
    assert len(ranked) == 3  # the three Lees: the third ties the page's last
    ranked.clear()
    page = search_accounts(clerk, "lee", limit=2, shown=[lees[0].id, lees[1].id])
    assert ids(page) == [lees[2].id, kleens[0].id] and len(ranked) == 6  # the Lee left, then every Kleen


def test_hows_is_ranks_first_key():
    """``_hows`` finds what ``rank`` finds word by word, the account number's short form too."""
    from ubtui.search import _hows, rank
    doc = (" |+ maria garcia lopez |@ 107 oak st  |# 2095550107 0107 5550107 |^ 107 |= 107 oak st |/  "
           "|$ mtr0042 |& 00123455 | ")
    for words in (["maria"], ["garc"], ["arci"], ["lopez", "107"], ["12345"], ["1234"], ["2345"], ["mtr"],
                  ["0107", "oak"], ["555"], ["st", "ak"], ["00123455"]):
        assert _hows(words, doc) == rank(words, doc, "active")[0][0], words
    assert _hows(["zzz"], doc) < rank(["zzz"], doc, "active")[0][0]  # not there: never more than rank's


def test_the_tiers_after_the_first_check_their_words_literally(clerk, make_account, monkeypatch):
    """The word starts and whole words read after a full first tier (planned with less work on
    PostgreSQL) find what the first tier's statement would: "_" and "%" are no wildcards."""
    import ubtui.search as search
    monkeypatch.setattr(search, "CANDIDATES", 2)
    plain = [make_account(last_name="Oak", first_name=f"Al{i}", street="Main St") for i in range(3)]
    odd = [make_account(last_name="O_k", first_name=f"Bo{i}", street="Main St") for i in range(3)]
    for text, accounts in (("main oak", plain), ("main o_k", odd)):
        page = search_accounts(clerk, text, limit=1)  # anywhere full: word starts, then whole words read
        assert set(ids(page)) <= {a.id for a in accounts} and page.capped and page.whole == 2
    assert search_accounts(clerk, "main o%k", limit=1) == []


@pytest.mark.parametrize("backend", ["postgres"])  # PostgreSQL only: SQLite plans every statement anyway
def test_word_searches_are_planned_for_their_words(db, backend, clerk, make_account):
    """psycopg prepares a statement run five times; the server may then plan it once for
    any words (a rare surname read the whole table).  The word searches never are."""
    make_account(last_name="Lee")
    for i in range(12):
        search_accounts(clerk, f"lee {i}")
        search_accounts(clerk, "lee")
    prepared = [r[0] for r in db.execute_sql("SELECT statement FROM pg_prepared_statements").fetchall()]
    assert not [sql for sql in prepared if "account_search" in sql or "account_fts" in sql]


def test_surnames_before_first_names_and_ties_by_name(clerk, make_account):
    first = make_account(last_name="Adams", first_name="Nguyen")
    bea = make_account(last_name="Nguyen", first_name="Bea")
    ann = make_account(last_name="Nguyễn", first_name="Ann")
    assert ids(search_accounts(clerk, "nguyen")) == [ann.id, bea.id, first.id]


def test_a_house_number_exact_before_longer_ones(clerk, make_account):
    longer = make_account(last_name="Garcia", street="Oak St")  # house 101
    exact = make_account(last_name="Garcia", street="Oak St")  # house 102
    Premise.update(house_number="10", search_address="10 oak st").where(Premise.id == exact.premise_id).execute()
    assert ids(search_accounts(clerk, "garcia 10")) == [exact.id, longer.id]
    assert ids(search_accounts(clerk, "10 garcia oak")) == [exact.id, longer.id]


def test_the_words_of_one_party_before_words_spread_over_several(clerk, system, make_account):
    """"ana perez" is Ana Perez before Ana Smith who rents from a Perez."""
    landlord = create_customer(system, first_name="Raul", last_name="Perez")
    ana_smith = make_account(last_name="Smith", first_name="Ana")
    AccountCustomer.create(account=ana_smith.id, customer=landlord, role="owner")
    ana_perez = make_account(last_name="Perez", first_name="Ana")
    hits = search_accounts(clerk, "ana perez")
    assert ids(hits) == [ana_perez.id, ana_smith.id]
    assert hits[1].name == "Smith, Ana"  # the party the most words found


def test_a_capped_list_says_about_how_many_and_pages_on(clerk, make_account, monkeypatch):
    import ubtui.search as search
    monkeypatch.setattr(search, "CANDIDATES", 4)
    partial = [make_account(last_name="Leeson", first_name=f"Al{i}") for i in range(8)]
    whole = make_account(last_name="Lee", first_name="Zoe")  # past the first candidates
    page = search_accounts(clerk, "lee", limit=3)
    assert page.capped and page.more and page.total >= 4
    assert ids(page)[0] == whole.id  # a whole word is never crowded out by partial ones
    seen = ids(page)
    while page.more:
        page = search_accounts(clerk, "lee", limit=3, shown=seen)
        assert page.offset == len(seen) and not set(ids(page)) & set(seen)
        seen += ids(page)
        if not page:
            break
    assert sorted(seen) == sorted([a.id for a in partial] + [whole.id])
    every = search_accounts(clerk, "lee", limit=50)
    assert not every.capped and every.total == 9 and not every.more


def test_the_demo_writes_the_documents_of_its_accounts_in_bulk(clerk, db_url):
    """The demo pauses the search triggers in its chunks and writes the documents itself:
    every account has one, as the triggers would have written it."""
    from models import Account, database
    from ubtui.db import is_postgres
    from ubtui.demo import build_demo
    build_demo(accounts=30, months=0, chunk=10)
    table, key = ("account_search", "account_id") if is_postgres() else ("account_fts", "rowid")
    docs = dict(database.execute_sql(f"SELECT {key}, doc FROM {table}").fetchall())
    assert sorted(docs) == sorted(a.id for a in Account.select())
    assert database.execute_sql("SELECT count(*) FROM account_search_paused").fetchone()[0] == 0
    some = Account.select().order_by(Account.id.desc()).first()
    AccountCustomer.update(role="owner").where(AccountCustomer.account == some.id).execute()  # a no-op
    Premise.update(unit="Apt 9").where(Premise.id == some.premise_id).execute()  # the triggers rewrite it
    rewritten = database.execute_sql(f"SELECT doc FROM {table} WHERE {key} = {some.id}").fetchone()[0]
    assert rewritten == docs[some.id].replace(" |/  |", " |/ apt 9 |")


def test_find_premises_lists_addresses_with_who_has_service(clerk, system, town):
    """A form's F4 on an address: the premises whose address holds the words, by address,
    each saying which open account has service there; the premise number alone finds it."""
    from ubtui.search import find_premises

    empty = create_premise(system, house_number="101", street="Main St", unit="B")
    set_status(system, town["nunez"].id, "closed", reason="moved out")
    got = find_premises(clerk, "101 main")
    assert [pid for pid, _ in got] == [str(town["nunez"].premise_id), str(empty.id)]
    assert got[0][1] == "101 Main St: no service"  # its only account is closed
    assert got[1][1] == "101 Main St #B: no service"
    smith = format_account_number(town["smith"].number)
    assert find_premises(clerk, "102 main") == [(str(town["smith"].premise_id), f"102 Main St: active {smith}")]
    assert find_premises(clerk, str(town["olsen"].premise_id))[0][1].startswith("101 North Oak Ave: active ")
    assert find_premises(clerk, "999 nowhere") == []
    with pytest.raises(InputError) as e:
        find_premises(clerk, "  ")
    assert e.value.field == "Address"
    with pytest.raises(PermissionDenied):
        find_premises(None, "101 main")


def test_find_customers_lists_names_with_their_accounts(clerk, system, town):
    """A form's F4 on a customer field: the customers whose name holds the words, by name,
    each with its accounts; a merged duplicate is left out; the number alone finds one."""
    from ubtui.search import find_customers

    loner = create_customer(system, first_name="Pat", last_name="Smithers")
    got = find_customers(clerk, "smith pat")
    smith = AccountCustomer.get(AccountCustomer.account == town["smith"].id).customer_id
    number = format_account_number(town["smith"].number)
    assert got == [(str(smith), f"Smith, Pat: {number} active"), (str(loner.id), "Smithers, Pat: no account")]
    Customer.update(merged_into=smith).where(Customer.id == loner.id).execute()
    assert [c for c, _ in find_customers(clerk, "smith pat")] == [str(smith)]
    assert find_customers(clerk, str(smith))[0][0] == str(smith)
    assert find_customers(clerk, "nobody here") == []
    with pytest.raises(InputError):
        find_customers(clerk, "")
