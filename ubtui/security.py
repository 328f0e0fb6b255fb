"""Users, roles, permissions, password hashing (argon2id) and login lockout.

Every core function that changes data takes the acting ``User`` and calls
``require(user, PERMISSION)`` itself; screens never decide who may do what.
"""
from __future__ import annotations

import datetime as _dt
import os
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from models import User, utcnow

from . import audit
from .config import settings
from .db import transaction
from .errors import AuthError, Conflict, InputError, NotFound, PermissionDenied

# argon2id with the library's RFC 9106 defaults.  Tests may lower the cost through the
# environment (UBTUI_ARGON2_FAST=1) so that hundreds of logins stay quick.
if os.environ.get("UBTUI_ARGON2_FAST"):
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
else:
    _hasher = PasswordHasher()

CLERK = {
    "account.view", "account.edit", "account.create", "contact.add", "payment.take",
    "drawer.open", "drawer.close", "drawer.drop", "workorder.create", "workorder.update",
    "reading.enter", "report.view", "receipt.reprint", "rates.view", "plan.create",
}
SENIOR = CLERK | {
    "adjustment.post", "refund.issue", "payment.return", "balance.transfer", "autopay.manage",
    "billing.run", "reading.import", "deposit.prepare", "fee.batch", "drawer.paid_out",
    "account.payment_flags",  # cash only / no checks, with a reason
}
SUPERVISOR = SENIOR | {
    "payment.void", "approve.void", "approve.adjustment", "approve.over_short", "report.all",
    "drawer.view_all", "writeoff.post", "collections.manage", "collections.disconnect",
    "account.protections", "account.status", "customer.merge",  # medical/do-not-disconnect, status, merges
}
ADMIN = SUPERVISOR | {"user.manage", "rates.manage", "db.admin"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "clerk": frozenset(CLERK),
    "senior_clerk": frozenset(SENIOR),
    "supervisor": frozenset(SUPERVISOR),
    "admin": frozenset(ADMIN),
    "system": frozenset(ADMIN),  # the CLI and batch jobs on the server itself
}
ROLE_NAMES = ("clerk", "senior_clerk", "supervisor", "admin")
USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{1,31}$")
MIN_PASSWORD = 8


def has_permission(user: User, permission: str) -> bool:
    return bool(user and user.active and permission in ROLE_PERMISSIONS.get(user.role, ()))


def require(user: User, permission: str) -> None:
    if user is None:
        raise PermissionDenied("nobody is signed in")
    if not has_permission(user, permission):
        raise PermissionDenied(f"{user.username} ({user.role}) may not {permission.replace('.', ' ')}; ask a supervisor")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def system_user() -> User:
    return User.get(User.username == "system")


def _check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError("Password", f"must be at least {MIN_PASSWORD} characters")


def create_user(actor: User, username: str, full_name: str, role: str, password: str) -> User:
    require(actor, "user.manage")
    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        raise InputError("Username", "2-32 characters: a letter, then letters, digits, _ . or -")
    if role not in ROLE_NAMES:
        raise InputError("Role", f"must be one of {', '.join(ROLE_NAMES)}")
    if not full_name or not full_name.strip():
        raise InputError("Full name", "must not be empty")
    _check_password_rules(password)
    pw_hash = hash_password(password)
    with transaction():
        if User.select().where(User.username == username).exists():
            raise Conflict(f"user {username!r} already exists")
        user = User.create(username=username, full_name=full_name.strip(), role=role, password_hash=pw_hash)
        audit.record(actor, "user.create", "user", user.id, after=user)
    return user


def get_user(username: str) -> User:
    user = User.get_or_none(User.username == (username or "").strip().lower())
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def set_password(actor: User, username: str, password: str) -> None:
    target = get_user(username)
    if actor.id != target.id:
        require(actor, "user.manage")
    _check_password_rules(password)
    pw_hash = hash_password(password)
    with transaction():
        User.update(password_hash=pw_hash, failed_logins=0, locked_until=None).where(User.id == target.id).execute()
        audit.record(actor, "user.password", "user", target.id, detail="password changed")


def set_active(actor: User, username: str, active: bool) -> User:
    require(actor, "user.manage")
    target = get_user(username)
    if target.role == "system":
        raise InputError("Username", "the system user cannot be changed")
    with transaction():
        before = User.get_by_id(target.id)
        User.update(active=active, failed_logins=0, locked_until=None).where(User.id == target.id).execute()
        after = User.get_by_id(target.id)
        audit.record(actor, "user.enable" if active else "user.disable", "user", target.id, before=before, after=after)
    return after


def list_users() -> list[User]:
    return list(User.select().where(User.role != "system").order_by(User.username))


def authenticate(username: str, password: str, *, now: _dt.datetime | None = None) -> User:
    """Check a password; repeated failures lock the user for a while.  Raises AuthError."""
    now = now or utcnow()
    cfg = settings()
    user = User.get_or_none(User.username == (username or "").strip().lower())
    generic = AuthError("wrong user name or password")
    if user is None or user.role == "system":
        _hasher_dummy_verify(password)
        raise generic
    if not user.active:
        raise AuthError(f"user {user.username} is disabled; ask an administrator")
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise AuthError(f"user {user.username} is locked after failed logins; try again in {minutes} min or ask a supervisor")
    try:
        ok = _hasher.verify(user.password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    with transaction():
        if not ok:
            failures = user.failed_logins + 1
            locked = now + _dt.timedelta(minutes=cfg.lockout_minutes) if failures >= cfg.login_attempts else None
            User.update(failed_logins=failures, locked_until=locked).where(User.id == user.id).execute()
            audit.record(user, "login.failed", "user", user.id,
                         detail=f"attempt {failures}" + (" - locked" if locked else ""))
        else:
            User.update(failed_logins=0, locked_until=None, last_login_at=now).where(User.id == user.id).execute()
            audit.record(user, "login", "user", user.id)
    if not ok:
        if failures >= cfg.login_attempts:
            raise AuthError(f"wrong password; user {user.username} is now locked for {cfg.lockout_minutes} min")
        raise generic
    return User.get_by_id(user.id)


def approve(username: str, password: str, permission: str) -> User:
    """A supervisor approves at this terminal with their own credentials."""
    approver = authenticate(username, password)
    if not has_permission(approver, permission):
        raise PermissionDenied(f"{approver.username} ({approver.role}) cannot approve this; a supervisor must")
    return approver


def _hasher_dummy_verify(password: str) -> None:
    """Spend the same time for an unknown user as for a known one."""
    global _DUMMY
    if _DUMMY is None:  # made on first use: hashing at import would slow every command
        _DUMMY = _hasher.hash("not-a-real-password")
    try:
        _hasher.verify(_DUMMY, password or "")
    except Exception:
        pass


_DUMMY: str | None = None
