"""Users, roles, permissions, password hashing (argon2id), login lockout and the SSH public
keys registered for staff (the SSH door lets only those in; the app's sign-in follows).

Every core function that changes data takes the acting ``User`` and calls
``require(user, PERMISSION)`` itself; screens never decide who may do what.
"""
from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import os
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from models import StaffKey, User, utcnow

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
    "payment.import",  # the processor's file of web and phone payments
}
SUPERVISOR = SENIOR | {
    "payment.void", "approve.void", "approve.adjustment", "approve.over_short", "report.all",
    "drawer.view_all", "writeoff.post", "collections.manage", "collections.disconnect",
    "account.protections", "account.status", "customer.merge",  # medical/do-not-disconnect, status, merges
    "balance.transfer_any",  # between accounts that never shared a customer
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
        ok: bool = _hasher.verify(user.password_hash, password or "")
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


# --- SSH public keys of staff (``ubtui user add-key``; read by ubtui.sshserver) -------------
# Key types the SSH door accepts (no ssh-dss: DSA); short RSA keys are refused too.
KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa",
             "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com")
MIN_RSA_BITS = 3072


def parse_public_key(text: str) -> tuple[str, bytes, str]:
    """One OpenSSH public key line (``ssh-ed25519 AAAA... comment``) -> (type, blob, comment).
    Raises InputError naming the field for anything else."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_ssh_public_key

    if "PRIVATE KEY" in (text or ""):
        raise InputError("Public key", "this is a private key: give the .pub file, and keep the private one secret")
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if len(lines) != 1:
        raise InputError("Public key", "give exactly one key line, as in ~/.ssh/id_ed25519.pub")
    parts = lines[0].split(None, 2)
    if len(parts) < 2:
        raise InputError("Public key", "expected 'type base64-key [comment]', as in ~/.ssh/id_ed25519.pub")
    kind, b64 = parts[0], parts[1]
    comment = parts[2].strip()[:80] if len(parts) > 2 else ""
    if kind not in KEY_TYPES:
        raise InputError("Public key", f"type {kind[:40]!r} is not accepted; use ssh-ed25519 (ssh-keygen -t ed25519)")
    try:
        blob = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise InputError("Public key", "the key is not valid base64") from None
    if not kind.startswith("sk-"):  # the library cannot load security-key types; the blob is checked below
        try:
            key = load_ssh_public_key(f"{kind} {b64}".encode())
        except (ValueError, TypeError):
            raise InputError("Public key", "the key data is damaged or does not match its type") from None
        if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
            raise InputError("Public key", f"RSA keys need at least {MIN_RSA_BITS} bits; use ssh-ed25519")
    if blob[4:4 + len(kind)] != kind.encode():
        raise InputError("Public key", "the key data does not match its type")
    return kind, blob, comment


def key_fingerprint(blob: bytes) -> str:
    """As ``ssh-keygen -l`` prints it: SHA256:base64 without padding."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def add_key(actor: User, username: str, public_key: str) -> StaffKey:
    """Register ``public_key`` (one OpenSSH line) for ``username``: it may open the SSH door."""
    require(actor, "user.manage")
    target = get_user(username)
    if target.role == "system":
        raise InputError("Username", "the system user cannot have SSH keys")
    kind, blob, comment = parse_public_key(public_key)
    fingerprint = key_fingerprint(blob)
    with transaction():
        existing = StaffKey.get_or_none(StaffKey.fingerprint == fingerprint)
        if existing is not None:
            raise Conflict(f"key {fingerprint} is already registered for {existing.user.username}")
        row = StaffKey.create(user=target, algorithm=kind, key_data=f"{kind} {base64.b64encode(blob).decode()}",
                              fingerprint=fingerprint, comment=comment)
        audit.record(actor, "user.key_add", "user", target.id, detail=f"{kind} {fingerprint} {comment}".strip())
    return row


def remove_key(actor: User, username: str, fingerprint: str) -> None:
    require(actor, "user.manage")
    target = get_user(username)
    with transaction():
        row = StaffKey.get_or_none((StaffKey.user == target.id) & (StaffKey.fingerprint == (fingerprint or "").strip()))
        if row is None:
            raise NotFound(f"{target.username} has no key {fingerprint!r} (see ubtui user keys {target.username})")
        row.delete_instance()
        audit.record(actor, "user.key_remove", "user", target.id, detail=f"{row.algorithm} {row.fingerprint}")


def list_keys(username: str) -> list[StaffKey]:
    target = get_user(username)
    return list(StaffKey.select().where(StaffKey.user == target.id).order_by(StaffKey.id))


def door_keys(username: str) -> list[str]:
    """The public key lines that may open the SSH door as ``username``: none for an unknown,
    disabled or system user.  (A locked user's key still opens the door: the app's sign-in
    then says the user is locked and for how long.)"""
    user = User.get_or_none(User.username == (username or "").strip().lower())
    if user is None or not user.active or user.role == "system":
        return []
    return [k.key_data for k in StaffKey.select(StaffKey.key_data).where(StaffKey.user == user.id)]
