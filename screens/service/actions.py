"""Account actions about service and field work: start and stop service, new work order,
complete or cancel an open one.  Each form calls one function of ``ubtui.workorders``."""
from __future__ import annotations

from models.service import WORK_ORDER_KINDS
from screens.common.form import ActionForm, Field, choice_from, day_from
from ubtui import fieldwork, workorders
from ubtui.accounts import format_account_number
from ubtui.errors import InputError
from ubtui.money import format_cents

KIND_CHOICES = tuple((k, k.replace("_", " ")) for k in WORK_ORDER_KINDS)
PRIORITY_CHOICES = tuple((p, "") for p in workorders.PRIORITIES)
ROLE_CHOICES = (("tenant", "rents the address"), ("owner", "owns the address"), ("billing", "pays the bills"))
DATE_HINT = "YYYY-MM-DD or +days (+0 is today)."


CLASS_CHOICES = tuple((c, f"rate code {workorders.DEFAULT_RATE_CODES[c]} unless another is named")
                      for c in workorders.DEFAULT_RATE_CODES)
DEBT_CHOICES = (("refuse", "collect what the customer owes first"),
                ("transfer", "move it to the new account (a supervisor)"))


def service_choices(user) -> dict:
    """(DB thread) the rate file's rate codes and cycles: the F4 lists of the service terms."""
    from ubtui.rates import active_schedule
    schedule = active_schedule()
    version = schedule.versions[-1]
    return {"rates": tuple((c, version.classes[c].name if c in version.classes else "") for c in schedule.rate_codes()),
            "cycles": tuple((c, how) for c, how in schedule.cycles.items())}


def terms_fields(options: dict, *, account_class: str = "residential", cycle: str | None = None,
                 turn_on: str = "+0", debt: bool = True) -> list[Field]:
    """The fields of the terms service starts on (start service, a move): class, rate code,
    cycle, turn-on, end date (temporary service), deposit, prior debt, a deposit waiver."""
    cycles = options.get("cycles", ())
    fields = [
        Field("account_class", "Class", account_class, 12, r"[a-zA-Z]*", choices=CLASS_CHOICES),
        Field("rate_code", "Rate code", "", 8, r"[a-zA-Z0-9]*", "Empty: the class's usual code (F4 lists the rate file's).",
              choices=options.get("rates", ())),
        Field("cycle", "Cycle", cycle if cycle is not None else (cycles[0][0] if cycles else "1"), 8, r"[a-zA-Z0-9]*",
              choices=cycles),
        Field("turn_on", "Turn on", turn_on, 10, r"[0-9+\-]*", DATE_HINT),
        Field("ends_on", "End date", "", 10, r"[0-9+\-]*", "Temporary (construction, hydrant meter) service: "
              "the last day; its stop is ordered for it."),
        Field("meter_size", "Meter size", "", 5, r'[0-9/."]*', "Only for an address without a meter: the "
              'meter the new install sets (empty: 5/8"); F4 lists the sizes and their installation fees.',
              choices=install_sizes()),
        Field("deposit", "Deposit", "", 14, None, "Empty: the fee schedule's for the class and customer; "
              "less is a waiver (reason and a supervisor)."),
    ]
    if debt:
        fields.append(Field("debt", "Prior debt", "refuse", 8, r"[a-zA-Z]*", "If the customer owes on another account.",
                            choices=DEBT_CHOICES))
    return fields + [
        Field("waive_reason", "Waiver reason", "", 200, None, "Only for a deposit under the schedule: why."),
        Field("approved_by", "Approved by", "", 30, None, "The supervisor approving the waiver (user name)."),
        Field("approver_password", "Approver password", "", 128, None, "The supervisor types it.", password=True),
    ]


def install_sizes() -> tuple[tuple[str, str], ...]:
    """The meter sizes a new install sets, each with the fee schedule's installation fee."""
    from models.meters import METER_SIZES
    from ubtui.fees import install_fee
    return tuple((size, f"installation fee {format_cents(install_fee(size))}") for size in METER_SIZES)


def terms_from(form: ActionForm, user, v: dict[str, str]) -> dict:
    """(DB thread) the typed terms as ``start_service``'s keyword arguments."""
    from ubtui.fees import Waiver
    from ubtui.security import has_permission
    today = form.app.today()
    waiver = None
    if v["waive_reason"].strip() or v["approved_by"].strip():
        waiver = Waiver(v["waive_reason"], v["approved_by"], v["approver_password"])
    kw = {"account_class": choice_from(v["account_class"], CLASS_CHOICES) if v["account_class"].strip() else None,
          "rate_code": v["rate_code"].strip() or None, "cycle": v["cycle"].strip(),
          "ends_on": day_from(v["ends_on"], "End date", today, required=False),
          "meter_size": v["meter_size"].strip() or None,
          "deposit_cents": form.amount(v["deposit"], "Deposit", allow_zero=True) if v["deposit"].strip() else None,
          # a signed-in supervisor approves; anyone else's form asks for one (ApprovalScreen)
          # and passes their password on
          "approver": user if has_permission(user, "approve.adjustment") else None, "waiver": waiver,
          "approver_username": v.get("approver_username", ""), "approver_password": v.get("approver_password", "")}
    if "debt" in v:
        kw["debt"] = choice_from(v["debt"], DEBT_CHOICES)
    return kw


def started_line(started, name: str) -> str:
    dep = f", deposit {format_cents(started.deposit_cents)} billed" if started.deposit_cents else ", no deposit"
    why = f" ({started.deposit_why})" if started.deposit_why and started.deposit_cents else ""
    moved = f", {format_cents(started.transferred_cents)} prior debt moved" if started.transferred_cents else ""
    stop = f", stop {started.stop_order.number} on {started.stop_order.scheduled_on}" if started.stop_order else ""
    return (f"new account {format_account_number(started.account.number)} for {name}; "
            f"{started.ordered()}{dep}{why}{moved}{stop}")


class StartServiceScreen(ActionForm):
    TITLE_TEXT = "Start service"
    INTRO = "Open an account at this address; the schedule's deposit, the turn-on ordered."
    CSS = ".form-row { margin-top: 0; }"  # twelve fields at 80x24 (scoped to the screen)

    @staticmethod
    def prepare(user, account_id: int) -> dict:
        return {"parties": workorders.service_parties(user, account_id)[1], **service_choices(user)}

    def fields(self) -> list[Field]:
        people = tuple((str(i + 1), f"{c.display_name} ({role})")
                       for i, (c, role) in enumerate(self.options.get("parties", [])))
        return [
            Field("customer", "Customer", "1" if people else "", 3, r"[0-9]*", "Which of the account's customers (a number).", choices=people),
            Field("role", "Role", "tenant", 8, r"[a-zA-Z]*", choices=ROLE_CHOICES),
            *terms_fields(self.options),
        ]

    def perform(self, user, v: dict[str, str]) -> str:
        premise, parties = workorders.service_parties(user, self.ctx.account_id)
        pick = v["customer"].strip()
        if not parties:
            raise InputError("Customer", "the account has no customer to start service for")
        if not pick.isdigit() or not 1 <= int(pick) <= len(parties):
            raise InputError("Customer", f"pick 1 to {len(parties)} (F4 lists them)")
        customer, _ = parties[int(pick) - 1]
        started = workorders.start_service(user, premise=premise, customer=customer,
                                           role=choice_from(v["role"], ROLE_CHOICES),
                                           turn_on=day_from(v["turn_on"], "Turn on", self.app.today()),
                                           **terms_from(self, user, v))
        return started_line(started, customer.display_name)


class StopServiceScreen(ActionForm):
    TITLE_TEXT = "Stop service"
    INTRO = ("Order the final read and turn-off.  Completing it records the read, posts the final "
             "bill and applies the deposit; the forwarding address becomes the mailing address.")

    def fields(self) -> list[Field]:
        return [
            Field("stop_on", "Stop on", "+0", 10, r"[0-9+\-]*", DATE_HINT),
            Field("line1", "Forwarding street", "", 60, None, "Where the final bill goes (optional)."),
            Field("city", "City", "", 40),
            Field("state", "State", "", 2, r"[a-zA-Z]*"),
            Field("zip", "ZIP", "", 10, r"[0-9\-]*"),
        ]

    def perform(self, user, v: dict[str, str]) -> str:
        forwarding = {k: v[k].strip() for k in ("line1", "city", "state", "zip") if v[k].strip()}
        wo = fieldwork.stop_service(user, self.ctx.account_id, forwarding=forwarding or None,
                                     stop_on=day_from(v["stop_on"], "Stop on", self.app.today()))
        return f"stop ordered: {wo.number} turn off on {wo.scheduled_on.isoformat()}"



class ServiceEndScreen(ActionForm):
    """A temporary (construction, hydrant meter) service's last day: its stop moves with it."""

    TITLE_TEXT = "Temporary service: end date"
    INTRO = "The new last day of the temporary service; the stop ordered for it moves to that day."

    @staticmethod
    def prepare(user, account_id: int) -> dict:
        from models import Account
        from ubtui.dates import db_date
        from ubtui.workorders import TEMPORARY_CLASSES
        acct = Account.get_by_id(account_id)
        if acct.account_class not in TEMPORARY_CLASSES or acct.service_ends_on is None:
            raise InputError("End date", f"account {format_account_number(acct.number)} is not temporary "
                             "service: it has no end date")
        return {"ends_on": db_date(acct.service_ends_on)}

    def extra_lines(self) -> list[str]:
        ends = self.options.get("ends_on")
        return [f"Service ends {ends.isoformat()}"] if ends else []

    def fields(self) -> list[Field]:
        return [Field("ends_on", "End date", "", 10, r"[0-9+\-]*", DATE_HINT),
                Field("reason", "Reason", "", 200, None, "Why (permit extended, job done early).")]

    def perform(self, user, v: dict[str, str]) -> str:
        today = self.app.today()
        return fieldwork.change_service_end(user, self.ctx.account_id, day_from(v["ends_on"], "End date", today),
                                            reason=v["reason"], today=today).line()

class NewWorkOrderScreen(ActionForm):
    TITLE_TEXT = "New work order"

    def fields(self) -> list[Field]:
        return [
            Field("kind", "Kind", "", 20, r"[a-zA-Z_ ]*", "Type the first letters, Right takes the suggestion.",
                  choices=KIND_CHOICES),
            Field("priority", "Priority", "normal", 9, r"[a-zA-Z]*", choices=PRIORITY_CHOICES),
            Field("date", "Scheduled", "", 10, r"[0-9+\-]*", DATE_HINT + " Empty: not scheduled yet."),
            Field("instructions", "Instructions", "", 200, None, "What the field crew should do or look for."),
        ]

    def perform(self, user, v: dict[str, str]) -> str:
        wo = fieldwork.create_work_order(user, kind=choice_from(v["kind"], KIND_CHOICES),
                                          account_id=self.ctx.account_id,
                                          priority=choice_from(v["priority"], PRIORITY_CHOICES),
                                          scheduled_on=day_from(v["date"], "Scheduled", self.app.today(),
                                                                required=False),
                                          instructions=v["instructions"])
        return f"work order {wo.number} ({wo.kind.replace('_', ' ')}, {wo.priority}) created"


def order_choices(orders) -> tuple[tuple[str, str], ...]:
    """Open orders as (number, "kind requested-on instructions"): F4's list, the account's pick."""
    return tuple((o.number, f"{o.kind.replace('_', ' ')} {o.requested_on.isoformat()} {o.instructions}")
                 for o in orders)


class _OpenOrderForm(ActionForm):
    """Complete or cancel: the first field picks one of the open orders (F4 lists them).
    When the order is known (the queue's pick, or the only one open) the form starts on the
    field after it: what the clerk types first is the result, not a new order number."""

    def on_mount(self) -> None:
        orders = self.options.get("orders") or (self.ctx.open_orders if self.ctx else [])
        if self.options.get("number") or len(orders) == 1:
            self.FIRST_FIELD = next((f.id for f in self.field_list if f.id != "order"), None)
        super().on_mount()

    def extra_lines(self) -> list[str]:
        orders = self.options.get("orders") or []
        if self.ctx is None and len(orders) == 1:
            o = orders[0]
            return [f"{o.number} {o.kind.replace('_', ' ')} at {o.address}, account {o.account_number or 'none'}"]
        return []

    def order_choices(self) -> tuple[tuple[str, str], ...]:
        return order_choices(self.options.get("orders") or (self.ctx.open_orders if self.ctx else []))

    def order_field(self) -> Field:
        choices = self.order_choices()
        first = self.options.get("number") or (choices[0][0] if choices else "")
        return Field("order", "Work order", first, 12, r"[a-zA-Z0-9]*", "", choices=choices)

    def order_id(self, text: str) -> int:
        orders = self.options.get("orders") or (self.ctx.open_orders if self.ctx else [])
        number = (text or "").strip().upper()
        for o in orders:
            if o.number == number or (number.isdigit() and o.number.endswith(number.zfill(7))):
                return o.work_order_id
        raise InputError("Work order", f"{text.strip()!r} is not an open work order here (F4 lists them)")


class CompleteWorkOrderScreen(_OpenOrderForm):
    """What the field found or did.  When the order is known (from the queue, or the account's
    only open order) the form asks what its kind needs: a meter test's result, the meter an
    exchange or a new install sets; a reread must have its read."""

    TITLE_TEXT = "Complete work order"
    INTRO = ("What the field found or did, and the read taken; a turn-off closes the account "
             "and posts its final bill; a reread below the billed read proposes the rebill.")
    KIND_INTRO = {
        "meter_test": ("The percent of the test water the meter registered (100 is exact); outside the "
                       "tolerance it proposes an adjustment of the months' usage charges."),
        "meter_change": ("The read of the meter taken out and the new meter with its first read: both go "
                         "into the meter history and the next bill bills both meters."),
        "new_install": "The meter set at the address and its first read.",
        "reread": "The read the field took; below the billed read it proposes the corrected bill.",
    }

    def known_kind(self) -> str:
        orders = self.options.get("orders") or (self.ctx.open_orders if self.ctx else [])
        number = self.options.get("number")
        if number:
            orders = [o for o in orders if o.number == number]
        return orders[0].kind if len(orders) == 1 else ""

    def __init__(self, ctx=None, **options):
        self.options = options
        self.ctx = ctx
        self.kind = self.known_kind()
        self.INTRO = self.KIND_INTRO.get(self.kind, type(self).INTRO)
        super().__init__(ctx, **options)

    def fields(self) -> list[Field]:
        done_on = Field("done_on", "Completed on", "+0", 10, r"[0-9+\-]*", DATE_HINT)
        result = Field("result", "Result", "", 200, None, "What the field found or did.")
        meter = [Field("serial", "New meter", "", 24, None, "The serial number of the meter set."),
                 Field("install_reading", "Install read", "0", 10, r"[0-9]*", "Its register when set."),
                 Field("size", "Size", "", 8, None, 'Empty: the size ordered, an exchange the old meter\'s, '
                       'else 5/8".')]
        if self.kind == "meter_test":
            return [self.order_field(), result,
                    Field("accuracy", "Accuracy", "", 7, r"[0-9.%]*", "Percent registered, e.g. 98.5 (100 is exact)."),
                    Field("reading", "Reading", "", 10, r"[0-9]*", "The register read at the test (optional)."),
                    done_on]
        if self.kind == "meter_change":
            return [self.order_field(), result,
                    Field("reading", "Removal read", "", 10, r"[0-9]*", "The last read of the meter taken out."),
                    *meter, done_on]
        if self.kind == "new_install":
            return [self.order_field(), result, *meter, done_on]
        return [self.order_field(), result,
                Field("reading", "Reading", "", 10, r"[0-9]*", "The meter read the field took (recorded as a reading)."),
                done_on]

    def perform(self, user, v: dict[str, str]) -> str:
        order_id = self.order_id(v["order"])
        kind = next(o.kind for o in (self.options.get("orders") or self.ctx.open_orders)
                    if o.work_order_id == order_id)
        if kind in ("meter_test", "meter_change", "new_install") and kind != self.kind:
            raise InputError("Work order", f"a {kind.replace('_', ' ')} is completed from its own form: "
                             "F3, then C and pick it (or the work order queue, menu W)")
        from ubtui.fieldwork import complete_field_work
        done = complete_field_work(
            user, order_id, v["result"], completed_on=day_from(v["done_on"], "Completed on", self.app.today()),
            reading=v.get("reading", "").strip() or None, accuracy=v.get("accuracy", "").strip() or None,
            serial=v.get("serial", "").strip() or None, install_reading=v.get("install_reading", "").strip() or None,
            size=v.get("size", "").strip() or None)
        return done.line()


class CancelWorkOrderScreen(_OpenOrderForm):
    TITLE_TEXT = "Cancel work order"

    def fields(self) -> list[Field]:
        return [self.order_field(), Field("reason", "Reason", "", 200, None, "Why the order is not needed.")]

    def perform(self, user, v: dict[str, str]) -> str:
        wo = workorders.cancel_work_order(user, self.order_id(v["order"]), v["reason"])
        return f"work order {wo.number} cancelled"


class AssignWorkOrderScreen(_OpenOrderForm):
    TITLE_TEXT = "Assign work order"
    INTRO = "Give the order to a crew for a day; assigning an assigned order reschedules it."

    def fields(self) -> list[Field]:
        return [self.order_field(),
                Field("crew", "Crew", "", 24, None, "The crew that goes (e.g. North 2)."),
                Field("scheduled", "Scheduled", "+1", 10, r"[0-9+\-]*", DATE_HINT),
                Field("due", "Due by", "", 10, r"[0-9+\-]*", DATE_HINT + " Empty: as it was."),
                Field("priority", "Priority", "", 9, r"[a-zA-Z]*", "Empty: as it was.", choices=PRIORITY_CHOICES)]

    def perform(self, user, v: dict[str, str]) -> str:
        today = self.app.today()
        wo = workorders.assign_work_order(
            user, self.order_id(v["order"]), crew=v["crew"],
            scheduled_on=day_from(v["scheduled"], "Scheduled", today),
            due_on=day_from(v["due"], "Due by", today, required=False),
            priority=choice_from(v["priority"], PRIORITY_CHOICES) if v["priority"].strip() else None, today=today)
        return f"work order {wo.number} assigned to {wo.crew} for {wo.scheduled_on.isoformat()}"
