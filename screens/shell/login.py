"""Sign in: user name, password, Enter.  Errors (and the core's lockout message) on one line."""
from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from screens.common.base import KeepsRunning, key_binding
from screens.common.text import stored
from ubtui.errors import AuthError, InputError, UbtuiError
from ubtui.security import authenticate
from ubtui.throttle import report


class LoginScreen(KeepsRunning, Screen):
    """The first screen.  ``LockScreen`` reuses it with the signed-in user filled in."""

    CSS_PATH = "login.tcss"
    TITLE_TEXT = "Sign in"
    HEADING = "Sign in"
    BINDINGS = [
        key_binding("help", "help"),
        Binding("enter", "submit", "Sign in", show=False, id="login.submit"),
    ]

    def __init__(self, username: str = ""):
        super().__init__()
        self.username = username
        self.fixed_user = False  # the SSH door proved who this is: only the password is asked
        self.busy = False

    def compose(self) -> ComposeResult:
        cfg = getattr(self.app, "config", None)
        door_user = getattr(self.app, "door_user", None)
        if door_user:
            self.username, self.fixed_user = door_user, True
        district = cfg.district.name if cfg else "ubtui"
        with Center():
            with Vertical(id="login-box"):
                yield Static(stored(district), id="district")
                yield Static(self.HEADING, id="heading")
                yield Label("User", id="user-label")
                yield Input(value=self.username, id="username", max_length=32,
                            restrict=r"[A-Za-z0-9_.\-]*", placeholder="user name", disabled=self.fixed_user)
                yield Label("Password", id="password-label")
                yield Input(id="password", password=True, max_length=128)
                yield Static("", id="login-error")
                yield Static(self.hint(), id="login-hint")
        yield Footer(compact=True, show_command_palette=False)

    def hint(self) -> str:
        from ubtui.config import is_demo_url

        text = "Enter signs in.  Ctrl+Q quits."
        if is_demo_url(getattr(self.app, "database_url", "")):
            from ubtui.demo import DEMO_USERS

            pairs = [f"{user}/{password}" for user, _, _, password in DEMO_USERS]
            text += "\nDemo district; sign in as user/password:"
            for i in range(0, len(pairs), 2):
                text += "\n" + "   ".join(f"{p:<20}" for p in pairs[i:i + 2]).rstrip()
        return text

    def on_mount(self) -> None:
        self.query_one("#password" if self.username else "#username", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if (event.input.id == "username" and event.input.value.strip()
                and not self.query_one("#password", Input).value):
            self.query_one("#password", Input).focus()
            return
        self.action_submit()

    def action_submit(self) -> None:
        if self.busy:
            return
        username = self.username if self.fixed_user else self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username:
            self.show_error(str(InputError("User", "type your user name")))
            self.query_one("#username", Input).focus()
            return
        if not password:
            self.show_error(str(InputError("Password", "type your password")))
            self.query_one("#password", Input).focus()
            return
        self.busy = True
        self.app.hold_keys()  # what is typed next belongs to the screen after this one
        self.sign_in(username, password)

    @work(exclusive=True, group="login")
    async def sign_in(self, username: str, password: str) -> None:
        try:
            user = await self.app.db(authenticate, username, password)
        except Exception as e:  # a core error, or the database is down: one line, try again
            from screens.app import database_message

            if isinstance(e, AuthError):
                report("failed")  # the browser door counts wrong passwords per address
            self.busy = False
            self.show_error(str(e) if isinstance(e, UbtuiError) else database_message(e))
            pw = self.query_one("#password", Input)
            pw.value = ""
            pw.focus()
            self.app.call_after_refresh(self.app.release_keys)
            return
        report("signed_in")
        self.busy = False
        await self.signed_in(user)

    async def signed_in(self, user) -> None:
        self.app.start_session(user)

    def show_error(self, text: str) -> None:
        self.query_one("#login-error", Static).update(stored(text))

    def set_status(self, text: str, *, error: bool = False) -> None:
        self.show_error(text)

    def action_help(self) -> None:
        from screens.common.help import HelpScreen

        self.app.push_screen(HelpScreen(self))
