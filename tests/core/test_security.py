import datetime as dt
import json

import pytest

from models import AuditLog, User
from ubtui import security
from ubtui.config import Settings, use_settings
from ubtui.errors import AuthError, Conflict, InputError, PermissionDenied


def test_argon2id_hash_and_login_writes_audit(system):
    u = security.create_user(system, "Alice", "Alice Adams", "clerk", "correct horse")
    assert u.username == "alice" and u.password_hash.startswith("$argon2id$")
    assert security.authenticate("ALICE ", "correct horse").id == u.id
    actions = [a.action for a in AuditLog.select().where(AuditLog.entity == "user").order_by(AuditLog.id)]
    assert actions == ["user.create", "login"]
    created = AuditLog.get(AuditLog.action == "user.create")
    assert "password_hash" not in json.loads(created.after)


def test_lockout_after_repeated_failures(system):
    use_settings(Settings(login_attempts=3, lockout_minutes=10))
    security.create_user(system, "bob", "Bob", "clerk", "right-password")
    now = dt.datetime(2026, 1, 5, 9, 0)
    for _ in range(2):
        with pytest.raises(AuthError, match="wrong user name or password"):
            security.authenticate("bob", "nope", now=now)
    with pytest.raises(AuthError, match="now locked for 10 min"):
        security.authenticate("bob", "nope", now=now)
    with pytest.raises(AuthError, match="locked after failed logins; try again in"):
        security.authenticate("bob", "right-password", now=now + dt.timedelta(minutes=5))
    assert security.authenticate("bob", "right-password", now=now + dt.timedelta(minutes=11)).failed_logins == 0


def test_unknown_disabled_and_system_users_cannot_sign_in(system):
    with pytest.raises(AuthError, match="wrong user name or password"):
        security.authenticate("ghost", "whatever")
    with pytest.raises(AuthError):
        security.authenticate("system", "!")
    security.create_user(system, "carl", "Carl", "clerk", "password-1")
    security.set_active(system, "carl", False)
    with pytest.raises(AuthError, match="disabled"):
        security.authenticate("carl", "password-1")


def test_roles_and_permissions(system, clerk, supervisor):
    assert security.has_permission(clerk, "payment.take")
    assert not security.has_permission(clerk, "approve.void")
    assert security.has_permission(supervisor, "approve.void")
    with pytest.raises(PermissionDenied, match="clerk1 \\(clerk\\) may not user manage"):
        security.create_user(clerk, "eve", "Eve", "admin", "password-1")
    with pytest.raises(PermissionDenied, match="cannot approve"):
        security.approve("clerk1", "password-clerk1", "approve.void")
    assert security.approve("super1", "password-super1", "approve.void").id == supervisor.id
    assert not security.has_permission(User.get_by_id(clerk.id), "nonexistent.permission")


def test_bad_user_input_writes_nothing(system):
    before = AuditLog.select().count()
    for args, msg in ((("x", "X", "clerk", "password-1"), "Username"), (("ok_name", "", "clerk", "password-1"), "Full name"),
                      (("ok_name", "N", "boss", "password-1"), "Role"), (("ok_name", "N", "clerk", "short"), "Password")):
        with pytest.raises(InputError, match=msg):
            security.create_user(system, *args)
    security.create_user(system, "dup", "Dup", "clerk", "password-1")
    with pytest.raises(Conflict):
        security.create_user(system, "dup", "Dup", "clerk", "password-1")
    assert AuditLog.select().count() == before + 1


def test_password_change_and_disable_are_audited(system, clerk):
    security.set_password(clerk, "clerk1", "a-new-password")  # own password
    assert security.authenticate("clerk1", "a-new-password")
    with pytest.raises(PermissionDenied):
        security.set_password(clerk, "system", "whatever-123")
    security.set_active(system, "clerk1", False)
    row = AuditLog.get(AuditLog.action == "user.disable")
    assert json.loads(row.before)["active"] is True and json.loads(row.after)["active"] is False
