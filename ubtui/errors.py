"""Errors the core raises.  Each carries a one-line message meant for the person at the keys."""


class UbtuiError(Exception):
    """Base: ``str(e)`` is a one-line message that says what is wrong and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(UbtuiError):
    """Bad input; ``field`` names the field (or file line) that is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class PermissionDenied(UbtuiError):
    pass


class NotFound(UbtuiError):
    pass


class Conflict(UbtuiError):
    pass


class AuthError(UbtuiError):
    pass


class ConfigError(UbtuiError):
    pass
