"""Every action in the command palette (ctrl+p): the keys of the current screen and the menu."""
from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from screens.common.textual_internals import bindings_of


class UbtuiCommands(Provider):
    def commands(self) -> list[tuple[str, object, str]]:
        from screens.common.help import screen_keys
        from screens.shell.menu import entries_for

        app = self.app
        screen = self.screen
        found: list[tuple[str, object, str]] = []
        seen: set[str] = set()
        for node in (screen, app):
            for _key, binding in bindings_of(node):
                if binding.system or not binding.description or binding.action == "command_palette":
                    continue
                name = binding.description
                if name in seen:
                    continue
                seen.add(name)
                keys = dict((d, k) for k, d in screen_keys(screen)).get(name, "")
                found.append((name, partial(app.run_action, binding.action, node), keys))
        for entry in entries_for(getattr(app, "user", None)):
            label = f"Menu: {entry.label}"
            found.append((label, partial(app.open_target, entry.target), f"menu letter {entry.key.upper()}"))
        return found

    async def discover(self) -> Hits:
        for name, callback, help_text in self.commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
