"""The dispatcher's queue (filtered by kind, status, crew, route and date, with counts), a
crew's field sheet and door tags as text and PDF, hostile stored text in them, and
``ubtui workorder ...`` (issue #14)."""
import datetime as dt

import pytest

from models import Premise
from ubtui import fieldsheets, readings, workorders
from ubtui.errors import InputError
from ubtui.workorders import QueueFilter, parse_queue_filter, work_order_queue

TODAY = dt.date.today()
HOSTILE = "\x1b[2J\x1b]0;pwned\x07[bold red]Bad[/] <b>dog</b> \u202eevil\u202c %s {x} \\"


def _orders(clerk, make_account):
    a = make_account(last_name=HOSTILE)
    b = make_account(street="Oak Ave")
    c = make_account(street="Pine St")
    Premise.update(route="02", notes="Meter box behind gate\n" + HOSTILE).where(Premise.id == b.premise_id).execute()
    readings.install_meter(clerk, b.premise_id, "SN-B", on=TODAY, reading=1)
    w1 = workorders.create_work_order(clerk, kind="reread", account_id=a.id, instructions="check " + HOSTILE)
    w2 = workorders.create_work_order(clerk, kind="low_pressure", account_id=b.id, priority="high")
    w3 = workorders.create_work_order(clerk, kind="door_tag", account_id=c.id)
    tomorrow = TODAY + dt.timedelta(days=1)
    workorders.assign_work_order(clerk, w1.id, crew="North 2", scheduled_on=tomorrow)
    workorders.assign_work_order(clerk, w2.id, crew="North 2", scheduled_on=tomorrow)
    workorders.assign_work_order(clerk, w3.id, crew="South 1", scheduled_on=TODAY)
    return (a, b, c), (w1, w2, w3), tomorrow


def test_the_queue_filters_by_kind_status_crew_route_and_date_with_counts(clerk, make_account):
    _, (w1, w2, w3), tomorrow = _orders(clerk, make_account)
    w4 = workorders.create_work_order(clerk, kind="meter_test", account_id=w3.account_id)
    workorders.cancel_work_order(clerk, w4.id, "not needed")

    def numbers(text):
        q = work_order_queue(clerk, parse_queue_filter(text, TODAY))
        return [o.number for o in q.rows], q

    rows, q = numbers("")
    assert rows == [w2.number, w1.number, w3.number] and q.counts == {"open": 0, "assigned": 3}
    assert q.summary() == "3 work orders: 3 assigned"
    assert numbers("crew:north_2")[0] == [w2.number, w1.number]
    assert numbers("c:NORTH_2 k:rer")[0] == [w1.number]
    assert numbers("route:02")[0] == [w2.number]
    assert numbers("date:+1")[0] == [w2.number, w1.number]
    assert numbers(f"d:{TODAY.isoformat()}")[0] == [w3.number]
    rows, q = numbers("status:all")
    assert len(rows) == 4 and q.counts == {"open": 0, "assigned": 3, "done": 0, "cancelled": 1}
    assert numbers("s:can")[0] == [w4.number]
    assert parse_queue_filter("k:low c:North_2 r:02 d:+1", TODAY) == QueueFilter("low_pressure", "", "North 2",
                                                                                 "02", tomorrow)
    for bad, what in (("kind:paint", "kind 'paint'"), ("k:re", "kind 're'"), ("colour:red", "key 'colour'"),
                      ("crew", "KEY:VALUE"), ("date:soon", "Filter")):
        with pytest.raises(InputError, match=what) as e:
            parse_queue_filter(bad, TODAY)
        assert e.value.key == "filter"


def test_a_crews_field_sheet_in_route_order_as_text_and_pdf_with_hostile_text(clerk, make_account, tmp_path):
    _, (w1, w2, _), tomorrow = _orders(clerk, make_account)
    sheet = fieldsheets.field_sheet(clerk, "north 2", tomorrow)
    assert [s.number for s in sheet.stops] == [w1.number, w2.number]  # route 01 before route 02
    text = fieldsheets.sheet_text(sheet)
    assert "Crew north 2" in text and "2 stops" in text and "SN-B 5/8\"" in text and "Meter box behind gate" in text
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "␛[2J" in text and "[bold red]Bad[/] <b>dog</b>" in text and "reread (normal)" in text
    long = fieldsheets.Sheet("North 2", tomorrow, [sheet.stops[0].__class__(
        **{**sheet.stops[0].__dict__, "customer": "名前 " + "x" * 300, "location": "y" * 500})])
    assert all(len(line) <= fieldsheets.WIDTH for line in fieldsheets.sheet_text(long).splitlines())
    out = fieldsheets.sheet_pdf(sheet, tmp_path / "sheet.pdf")
    assert out.read_bytes().startswith(b"%PDF") and out.stat().st_size > 500
    empty = fieldsheets.field_sheet(clerk, "Nobody", tomorrow)
    assert "No work orders assigned" in fieldsheets.sheet_text(empty)
    with pytest.raises(InputError, match="Crew"):
        fieldsheets.field_sheet(clerk, " ", tomorrow)


def test_a_pdf_in_a_unicode_font_never_gets_a_control_character():
    from ubtui.pdf import new_pdf
    pdf = new_pdf()
    pdf.add_page()
    pdf.set_font(pdf.font_family_name, "", 9)
    shown = pdf.normalize_text("a\x1b[2Jb \u202eevil Nguyễn")
    assert "\x1b" not in shown and "\u202e" not in shown and ("Nguyễn" in shown or "Nguyen" in shown)


def test_a_door_tag_names_the_account_customer_and_what_was_done(clerk, make_account, tmp_path):
    (a, _, _), (w1, _, w3), _ = _orders(clerk, make_account)
    tag = fieldsheets.door_tag(clerk, w1.id)
    text = fieldsheets.door_tag_text(tag)
    assert "We read your meter again today." in text and "(555) 010-2400" in text
    assert "\x1b" not in text and "␛" in text
    assert all(len(line) == 48 for line in text.splitlines())
    pdf = fieldsheets.door_tag_pdf(tag, tmp_path / "tag.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "past due" in fieldsheets.door_tag_text(fieldsheets.door_tag(clerk, w3.id))


def test_cli_lists_assigns_prints_and_completes(db_url, db, tmp_path):
    from tests.core.test_cli import ubtui
    from ubtui.accounts import create_customer, create_premise, open_account
    from ubtui.security import system_user
    sysu = system_user()
    cust = create_customer(sysu, first_name="Ana", last_name="Ruiz", phones=[("home", "555-010-0001")])
    prem = create_premise(sysu, house_number="9", street="Elm St", route="03")
    acct = open_account(sysu, premise=prem, customers=[(cust, "owner")], status="active")
    wo = workorders.create_work_order(sysu, kind="new_install", account_id=acct.id)
    db.close()

    def run(*args):
        return ubtui("--database", db_url, "workorder", *args)

    r = run("assign", wo.number, "--crew", "West 1", "--date", "+0")
    assert r.returncode == 0 and f"{wo.number} assigned to West 1" in r.stdout, r.stderr
    r = run("list", "--filter", "crew:west_1 route:03")
    assert wo.number in r.stdout and "1 work order: 1 assigned" in r.stdout
    r = run("list", "--filter", "kind:nope")
    assert r.returncode == 2 and r.stderr.strip().startswith("ubtui: Filter: kind 'nope'")
    r = run("sheet", "--crew", "west 1", "--format", "text")
    assert r.returncode == 0 and "9 Elm St" in r.stdout and "new install" in r.stdout
    r = run("sheet", "--crew", "west 1", "--format", "pdf", "--output", str(tmp_path / "s.pdf"))
    assert r.returncode == 0 and (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")
    r = run("sheet", "--crew", "west 1", "--format", "pdf")
    assert r.returncode == 2 and "Output" in r.stderr
    r = run("tag", wo.number, "--format", "pdf", "--output", str(tmp_path / "t.pdf"))
    assert r.returncode == 0 and (tmp_path / "t.pdf").exists()
    r = run("complete", wo.number, "--result", "set", "--install-read", "x", "--serial", "C-1")
    assert r.returncode == 2 and r.stderr.strip().startswith("ubtui: Install read:")
    r = run("complete", wo.number, "--result", "set", "--serial", "C-1", "--install-read", "4")
    assert r.returncode == 0 and r.stdout.strip() == f"work order {wo.number} done; meter C-1 set", r.stderr
    r = run("proposals")
    assert r.stdout.strip() == "no proposals waiting"
