"""Errors the core raises.  Each carries a one-line message meant for the person at the keys."""
import re


class UbtuiError(Exception):
    """Base: ``str(e)`` is a one-line message that says what is wrong and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def field_key(label: str) -> str:
    """The stable key of a field: ``"Follow-up"`` -> ``follow_up``, ``"Check number"`` ->
    ``check_number`` (screens find the widget by this key, not by the English label)."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


class InputError(UbtuiError):
    """Bad input; ``field`` names the field (or file line) that is wrong, for people;
    ``key`` names it for screens (``field_key(field)`` unless the core gives one)."""

    def __init__(self, field: str, message: str, *, key: str | None = None):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message
        self.key = key or field_key(field)


class PermissionDenied(UbtuiError):
    pass


class ApprovalNeeded(PermissionDenied):
    """Refused for want of a supervisor's approval (``permission``, e.g. ``approve.adjustment``):
    a screen may ask for one (user name and password) and post again with it."""

    def __init__(self, message: str, permission: str = "approve.adjustment"):
        super().__init__(message)
        self.permission = permission


class NotFound(UbtuiError):
    pass


class Conflict(UbtuiError):
    pass


class DuplicateFound(Conflict):
    """A record like the one to be created is on file (same name and phone, same address):
    ``matches`` lists them as (id, what it is), so a screen can offer to use one instead."""

    def __init__(self, message: str, matches: list[tuple[int, str]], *, kind: str):
        super().__init__(message)
        self.matches = matches
        self.kind = kind  # "customer" or "premise"


class AuthError(UbtuiError):
    pass


class ConfigError(UbtuiError):
    pass
