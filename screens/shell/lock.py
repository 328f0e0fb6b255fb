"""The lock screen (ctrl+l or idle): customer data hidden until a password is typed.

The same user unlocks and carries on where they were; another user signing in drops every
open screen (the previous customer) and starts at the main menu."""
from __future__ import annotations

from models import User
from screens.shell.login import LoginScreen


class LockScreen(LoginScreen):
    CSS_PATH = "login.tcss"
    TITLE_TEXT = "Locked"
    HEADING = "Locked"

    def __init__(self, user: User):
        super().__init__(username=user.username)
        self.locked_user = user
        self.HEADING = f"Locked: {user.full_name} ({user.username})"

    def hint(self) -> str:
        return "Your password unlocks; another user may sign in instead."

    async def signed_in(self, user) -> None:
        if user.id == self.locked_user.id:
            self.app.user = user
            self.app.unlock()
        else:
            self.app.start_session(user)
