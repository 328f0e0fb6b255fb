"""Users, their registered SSH public keys and the append-only audit log."""
from peewee import AutoField, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .base import BaseModel, FreeCharField, utcnow

ROLES = ("clerk", "senior_clerk", "supervisor", "admin", "system")


class User(BaseModel):
    id = AutoField()
    username = CharField(max_length=32, unique=True)
    full_name = FreeCharField(max_length=80)
    role = CharField(max_length=16, constraints=[])  # one of ROLES, checked in ubtui.security
    password_hash = CharField(max_length=200)
    active = BooleanField(default=True)
    failed_logins = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    last_login_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)


class AuditLog(BaseModel):
    """One row per change: who, when, what, before and after (JSON text).

    Rows are never updated or deleted (database triggers refuse it)."""

    id = AutoField()
    # No index but the id: every payment writes a row here, and each index is one more page
    # per payment.  Rows are appended in time order, so a range of time is a range of ids
    # (found by bisecting ids), and anything else is filtered within that range.
    at = DateTimeField(default=utcnow)
    user = ForeignKeyField(User, null=True, backref="audit_rows", on_delete="RESTRICT", index=False)
    action = CharField(max_length=48)
    entity = CharField(max_length=32)
    entity_id = CharField(max_length=40, null=True)
    before = TextField(null=True)
    after = TextField(null=True)
    detail = TextField(null=True)


class StaffKey(BaseModel):
    """A public key with which a user may open the SSH door (``ubtui user add-key``).

    The key lets the connection in; the app's own sign-in (as the same user) follows."""

    id = AutoField()
    user = ForeignKeyField(User, backref="ssh_keys", on_delete="CASCADE")
    algorithm = CharField(max_length=40)  # ssh-ed25519, ecdsa-sha2-nistp256, rsa-sha2-256 ...
    key_data = TextField()  # the OpenSSH public key line: algorithm and base64 blob, no comment
    fingerprint = CharField(max_length=64, unique=True)  # SHA256:... as ssh-keygen -l shows it
    comment = CharField(max_length=80, default="")
    added_at = DateTimeField(default=utcnow)
