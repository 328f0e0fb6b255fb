"""The real app behind the SSH door: a key registered with ``ubtui user add-key`` lets the
clerk in, the sign-in asks only for that clerk's password, and a hang-up ends the app."""
from __future__ import annotations

import asyncio
import os

from tests.core.test_cli import ubtui
from tests.e2e.test_ssh_bridge import keys, port, pytestmark, read_until, ssh, until  # noqa: F401  (fixtures)
from tests.screens.appkit import add_user
from ubtui.sshserver import DoorLimits, child_argv, child_pids, serve


async def test_registered_clerk_signs_in_and_a_hang_up_ends_the_app(sqlite_url, tmp_path, port, keys):  # noqa: F811
    add_user("clerk")
    key_file = tmp_path / "id_good.pub"
    key_file.write_text(keys["good"][1] + " clerk@laptop\n")
    r = ubtui("--database", sqlite_url, "user", "add-key", "clerk", str(key_file))
    assert r.returncode == 0 and "added for clerk" in r.stdout, r.stderr
    r = ubtui("--database", sqlite_url, "user", "add-key", "clerk", str(tmp_path / "missing.pub"))
    assert r.returncode == 2 and r.stderr.startswith("ubtui: cannot read key file")
    assert "clerk@laptop" in ubtui("--database", sqlite_url, "user", "keys", "clerk").stdout

    env = dict(os.environ, UBTUI_ARGON2_FAST="1", UBTUI_CONFIG="/nonexistent.toml")
    door = await serve("127.0.0.1", port, tmp_path / "host_key", child_argv(sqlite_url), env,
                       limits=DoorLimits(max_sessions=1, hangup_grace=120))  # no kill: the app quits on SIGHUP
    before = set(child_pids())
    try:
        client = await ssh(tmp_path, port, keys["good"][0], user="clerk")
        await read_until(client.stdout, b"Enter signs in", 60)
        await asyncio.sleep(0.5)
        client.stdin.write(b"clerk-demo-1\r")  # the user name is filled in: the password is all
        await read_until(client.stdout, b"Main menu", 60)
        apps = set(child_pids()) - before - {client.pid}
        assert len(apps) == 1 and len(door.sessions) == 1
        client.stdin.close()
        client.kill()  # the network drops: no quit, no exit
        await client.wait()
        assert await until(lambda: not door.sessions and not (set(child_pids()) & apps), 20)
    finally:
        door.close()
