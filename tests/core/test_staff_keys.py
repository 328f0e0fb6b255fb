"""SSH public keys of staff: registering, refusing weak or damaged keys, the door's lookup."""
from __future__ import annotations

import base64

import pytest

from models import AuditLog, StaffKey
from ubtui.errors import Conflict, InputError, PermissionDenied
from ubtui.security import add_key, door_keys, key_fingerprint, list_keys, parse_public_key, remove_key, set_active

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ9H2b86P+/jdPG5RRb30GgsRz3HNkCwCgEtk9Sfwgz6 ada@laptop"


def _key(kind="ssh-ed25519", **kw):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ed25519, rsa
    key = {"ssh-ed25519": lambda: ed25519.Ed25519PrivateKey.generate(),
           "rsa": lambda: rsa.generate_private_key(65537, kw.get("bits", 2048)),
           "dsa": lambda: dsa.generate_private_key(1024)}[kind]()
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def test_a_registered_key_opens_the_door_for_its_user_only(db_url, system, clerk, senior):
    row = add_key(system, "clerk1", ED25519)
    assert row.fingerprint == key_fingerprint(base64.b64decode(ED25519.split()[1])) and row.comment == "ada@laptop"
    assert door_keys("clerk1") == [" ".join(ED25519.split()[:2])]
    assert door_keys("CLERK1 ") == door_keys("clerk1")
    assert door_keys("senior1") == [] and door_keys("nobody") == [] and door_keys("system") == []
    audit = AuditLog.get(AuditLog.action == "user.key_add")
    assert audit.user_id == system.id and row.fingerprint in audit.detail
    with pytest.raises(Conflict):
        add_key(system, "senior1", ED25519)  # one key, one person
    set_active(system, "clerk1", False)
    assert door_keys("clerk1") == []  # a disabled user's keys open nothing
    set_active(system, "clerk1", True)
    remove_key(system, "clerk1", row.fingerprint)
    assert list_keys("clerk1") == [] and door_keys("clerk1") == []
    assert AuditLog.select().where(AuditLog.action == "user.key_remove").count() == 1


def test_only_user_managers_register_keys(db_url, clerk):
    with pytest.raises(PermissionDenied):
        add_key(clerk, "clerk1", ED25519)
    assert StaffKey.select().count() == 0


@pytest.mark.parametrize("text, why", [
    ("", "exactly one key"),
    (ED25519 + "\n" + ED25519, "exactly one key"),
    ("ssh-ed25519", "type base64-key"),
    ("ssh-dss AAAAB3NzaC1kc3M= x", "not accepted"),
    ("ssh-ed25519 not*base64", "base64"),
    ("ssh-ed25519 AAAAC3NzaC1yc2E=", "damaged"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n", "private key"),
])
def test_bad_keys_name_the_field(text, why):
    with pytest.raises(InputError) as e:
        parse_public_key(text)
    assert e.value.field == "Public key" and why in str(e.value)


def test_weak_keys_are_refused_and_good_ones_kept():
    with pytest.raises(InputError, match="3072 bits"):
        parse_public_key(_key("rsa", bits=2048))
    kind, blob, comment = parse_public_key("# my key\n" + _key() + " me@home\n")
    assert kind == "ssh-ed25519" and comment == "me@home" and len(blob) == 51
