"""Autopay: enrolment with the bank account encrypted at rest, and the daily draft file.

* Bank account numbers are encrypted with Fernet (``cryptography``: authenticated AES, the
  maintained standard recipe) under a key file shared by the district's terminals; screens,
  logs and audit rows only ever see the last four digits.
* ``build_draft`` posts one payment per enrolled account that owes money and writes the NACHA
  PPD debit file for the bank, in one transaction; the same business day is drafted once.
  (The NACHA writers on PyPI are unmaintained betas; the format is a few fixed-width records,
  written and tested here.)
"""
from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from models import Account, AutopayBatch, AutopayEnrollment, Payment, Tender, User, utcnow
from models.customers import SERVICE_ENDED

from . import audit, clock, ledger
from .accounts import format_account_number
from .config import data_dir, settings
from .db import transaction
from .errors import ConfigError, Conflict, InputError, NotFound
from .ledger import EntrySpec
from .security import require
from .validators import check_reason


# --- the encryption key ----------------------------------------------------------------------
def _key_path() -> Path:
    return Path(settings().secret_key_file or data_dir() / "secret.key")


def fernet() -> Fernet:
    env = os.environ.get("UBTUI_SECRET_KEY")
    if env:
        return Fernet(env.encode())
    path = _key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
    try:
        return Fernet(path.read_bytes().strip())
    except ValueError:
        raise ConfigError(f"{path}: not a valid secret key file") from None


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ConfigError("cannot decrypt a bank account number: this terminal has a different secret key file") from None


# --- validation ------------------------------------------------------------------------------
def routing_ok(routing: str) -> bool:
    """ABA routing number check digit: 3-7-1 weights, sum divisible by 10."""
    if not re.fullmatch(r"\d{9}", routing or ""):
        return False
    d = [int(c) for c in routing]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0


def masked(last4: str) -> str:
    return f"****{last4}"


@dataclass(frozen=True)
class Enrollment:
    id: int
    account_id: int
    holder_name: str
    routing_number: str
    bank_account: str  # masked: "****6789"
    bank_account_type: str
    status: str
    start_on: _dt.date


def _view(e: AutopayEnrollment) -> Enrollment:
    return Enrollment(e.id, e.account_id, e.holder_name, e.routing_number, masked(e.bank_account_last4),
                      e.bank_account_type, e.status, e.start_on)


def enroll(user: User, account_id: int, *, holder_name: str, routing_number: str, bank_account: str,
           bank_account_type: str = "checking", start_on: _dt.date | None = None) -> Enrollment:
    require(user, "autopay.manage")
    holder_name = (holder_name or "").strip()
    if not holder_name:
        raise InputError("Account holder", "must not be empty")
    routing_number = re.sub(r"\s", "", routing_number or "")
    if not routing_ok(routing_number):
        raise InputError("Routing number", "must be 9 digits with a valid check digit (see the bottom of a check)")
    bank_account = re.sub(r"[\s-]", "", bank_account or "")
    if not re.fullmatch(r"\d{4,17}", bank_account):
        raise InputError("Bank account", "must be 4 to 17 digits")
    if bank_account_type not in ("checking", "savings"):
        raise InputError("Account type", "must be checking or savings")
    with transaction():
        acct = Account.get_or_none(Account.id == account_id)
        if acct is None:
            raise NotFound(f"no account id {account_id}")
        if acct.status in SERVICE_ENDED:
            raise Conflict(f"account {format_account_number(acct.number)} is {acct.status.replace('_', ' ')}; autopay needs an open account")
        if AutopayEnrollment.select().where(AutopayEnrollment.active_guard == account_id).exists():
            raise Conflict(f"account {format_account_number(acct.number)} is already on autopay; cancel that enrolment first")
        e = AutopayEnrollment.create(account=account_id, holder_name=holder_name[:60], routing_number=routing_number,
                                     bank_account_enc=encrypt(bank_account), bank_account_last4=bank_account[-4:],
                                     bank_account_type=bank_account_type, start_on=start_on or clock.today(),
                                     created_by=user.id, active_guard=account_id)
        Account.update(autopay=True).where(Account.id == account_id).execute()
        audit.record(user, "autopay.enroll", "account", account_id, after=_view(e).__dict__)
    return _view(e)


def cancel(user: User, account_id: int, reason: str) -> Enrollment:
    require(user, "autopay.manage")
    reason = check_reason(reason)
    with transaction():
        e = AutopayEnrollment.get_or_none(AutopayEnrollment.active_guard == account_id)
        if e is None:
            raise NotFound("the account is not on autopay")
        AutopayEnrollment.update(status="cancelled", cancelled_at=utcnow(), active_guard=None).where(
            AutopayEnrollment.id == e.id).execute()
        Account.update(autopay=False).where(Account.id == account_id).execute()
        after = AutopayEnrollment.get_by_id(e.id)
        audit.record(user, "autopay.cancel", "account", account_id, before=_view(e).__dict__,
                     after=_view(after).__dict__, detail=reason.strip())
    return _view(after)


def active_enrollment(user: User, account_id: int) -> Enrollment | None:
    require(user, "account.view")
    e = AutopayEnrollment.get_or_none(AutopayEnrollment.active_guard == account_id)
    return _view(e) if e else None


# --- the NACHA draft file ----------------------------------------------------------------------
@dataclass(frozen=True)
class DraftEntry:
    name: str
    routing: str
    account: str  # clear text, only inside the file
    account_type: str
    amount_cents: int
    trace_id: str  # our account number


def _field(value: str, width: int, align: str = "<") -> str:
    text = re.sub(r"[^A-Z0-9 .,&/-]", "", str(value).upper())[:width]
    return f"{text:{align}{width}}"


def nacha_file(entries: list[DraftEntry], *, origin_routing: str, company_id: str, company_name: str,
               bank_name: str, effective: _dt.date, created: _dt.datetime, file_id: str = "A") -> str:
    """A NACHA file with one PPD batch of debits (transaction codes 27 checking, 37 savings),
    94-character records blocked to a multiple of ten."""
    dest = origin_routing
    lines = [
        "1" + "01" + " " + dest + " " + origin_routing + created.strftime("%y%m%d%H%M") + file_id
        + "094" + "10" + "1" + _field(bank_name, 23) + _field(company_name, 23) + " " * 8,
        "5" + "225" + _field(company_name, 16) + " " * 20 + _field(company_id, 10) + "PPD"
        + _field("WATER BILL", 10) + effective.strftime("%y%m%d") + effective.strftime("%y%m%d") + "   "
        + "1" + origin_routing[:8] + "0000001",
    ]
    hash_total = 0
    for i, e in enumerate(entries, start=1):
        code = "27" if e.account_type == "checking" else "37"
        hash_total += int(e.routing[:8])
        lines.append("6" + code + e.routing[:8] + e.routing[8] + _field(e.account, 17) + f"{e.amount_cents:010d}"
                     + _field(e.trace_id, 15) + _field(e.name, 22) + "  " + "0" + origin_routing[:8] + f"{i:07d}")
    total = sum(e.amount_cents for e in entries)
    hash10 = f"{hash_total % 10**10:010d}"
    lines.append("8" + "225" + f"{len(entries):06d}" + hash10 + f"{total:012d}" + f"{0:012d}"
                 + _field(company_id, 10) + " " * 19 + " " * 6 + origin_routing[:8] + "0000001")
    blocks = -(-(len(lines) + 1) // 10)
    lines.append("9" + "000001" + f"{blocks:06d}" + f"{len(entries):08d}" + hash10 + f"{total:012d}"
                 + f"{0:012d}" + " " * 39)
    while len(lines) % 10:
        lines.append("9" * 94)
    assert all(len(ln) == 94 for ln in lines), [len(ln) for ln in lines]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class DraftResult:
    batch_id: int
    entry_count: int
    total_cents: int
    nacha_text: str
    created: bool


def build_draft(user: User, business_date: _dt.date, effective_date: _dt.date) -> DraftResult:
    """Draft every active enrolment whose account owes money: one payment posting each, the
    batch row and the NACHA text, all in one transaction.  Run twice for a day: drafted once."""
    require(user, "autopay.manage")
    cfg = settings()
    key = f"draft:{business_date.isoformat()}"
    with transaction():
        existing = AutopayBatch.get_or_none(AutopayBatch.batch_key == key)
        if existing is not None:
            return DraftResult(existing.id, existing.entry_count, existing.total_cents,
                               decrypt(existing.nacha_enc), False)
        batch = AutopayBatch.create(business_date=business_date, effective_date=effective_date,
                                    created_by=user.id, batch_key=key)
        rows = (AutopayEnrollment.select(AutopayEnrollment, Account)
                .join(Account).where((AutopayEnrollment.status == "active") & (Account.balance_cents > 0)
                                     & (AutopayEnrollment.start_on <= business_date))
                .order_by(Account.number))
        entries = []
        for n, e in enumerate(rows, start=1):
            amount = int(e.account.balance_cents)
            receipt = f"AP{business_date:%y%m%d}-{n:05d}"
            res = ledger.write_posting(user, f"autopay:{business_date.isoformat()}:{e.account_id}", "payment",
                                       [EntrySpec(e.account_id, "payment", -amount, "", "Autopay draft",
                                                  f"receipt:{receipt}", effective_date)])
            pay = Payment.create(receipt_number=receipt, posting=res.posting_id, user=user.id, total_cents=amount,
                                 channel="autopay", payer_name=e.holder_name, business_date=business_date)
            Tender.create(payment=pay, seq=1, kind="ach", amount_cents=amount, card_last4=e.bank_account_last4,
                          bank=e.routing_number)
            entries.append(DraftEntry(e.holder_name, e.routing_number, decrypt(e.bank_account_enc),
                                      e.bank_account_type, amount, e.account.number))
        text = nacha_file(entries, origin_routing=cfg.ach_origin_routing, company_id=cfg.ach_company_id,
                          company_name=cfg.ach_company_name, bank_name=cfg.ach_bank_name,
                          effective=effective_date, created=clock.now())
        total = sum(e.amount_cents for e in entries)
        AutopayBatch.update(entry_count=len(entries), total_cents=total, nacha_enc=encrypt(text),
                            file_name=f"autopay-{business_date:%Y%m%d}.ach").where(AutopayBatch.id == batch.id).execute()
        audit.record(user, "autopay.draft", "autopay_batch", batch.id,
                     after={"entries": len(entries), "total_cents": total, "business_date": business_date})
    return DraftResult(batch.id, len(entries), total, text, True)


def write_draft_file(user: User, batch_id: int, path: str | Path) -> Path:
    """Write a batch's NACHA file (0600: it holds bank account numbers) for upload to the bank."""
    require(user, "autopay.manage")
    batch = AutopayBatch.get_or_none(AutopayBatch.id == batch_id)
    if batch is None:
        raise NotFound(f"no autopay batch {batch_id}")
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(decrypt(batch.nacha_enc))
    with transaction():
        audit.record(user, "autopay.file", "autopay_batch", batch_id, detail=f"written to {path}")
    return path
