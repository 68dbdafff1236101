"""A host of its own for a hub worker: a network namespace joined to this host by a veth pair.

The namespace and both ends of the pair are made by the test and removed after it; the only
addresses are the pair's, in a /30 of 10.231.0.0/16 the test picks, and the namespace's loopback.
`cut()` takes the host's end down — the worker's packets go nowhere, with no reset or FIN, as when a
cable or a switch fails — and `restore()` brings it back.
"""

from __future__ import annotations

import contextlib
import secrets
import subprocess
from collections.abc import Iterator

from tests.support import need


def ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20, check=False)


class Island:
    def __init__(self) -> None:
        tag = secrets.token_hex(3)
        self.ns, self.host_end, self.island_end = f"chp{tag}", f"vh{tag}", f"vn{tag}"
        third = secrets.randbelow(256)
        self.host_address, self.island_address = f"10.231.{third}.1", f"10.231.{third}.2"

    def create(self) -> None:
        made = ip("netns", "add", self.ns)
        need(made.returncode == 0, f"the kernel refuses a network namespace here: ip netns add: {made.stderr.strip()}")
        steps = [
            ("link", "add", self.host_end, "type", "veth", "peer", "name", self.island_end),
            ("link", "set", self.island_end, "netns", self.ns),
            ("addr", "add", f"{self.host_address}/30", "dev", self.host_end),
            ("link", "set", self.host_end, "up"),
            ("netns", "exec", self.ns, "ip", "addr", "add", f"{self.island_address}/30", "dev", self.island_end),
            ("netns", "exec", self.ns, "ip", "link", "set", self.island_end, "up"),
            ("netns", "exec", self.ns, "ip", "link", "set", "lo", "up"),
        ]
        for step in steps:
            done = ip(*step)
            if done.returncode != 0:
                self.remove()
                need(False, f"the kernel refuses the veth pair: ip {' '.join(step)}: {done.stderr.strip()}")

    def remove(self) -> None:
        ip("link", "del", self.host_end)  # takes its peer with it
        ip("netns", "del", self.ns)

    def cut(self) -> None:
        done = ip("link", "set", self.host_end, "down")
        assert done.returncode == 0, done.stderr

    def restore(self) -> None:
        done = ip("link", "set", self.host_end, "up")
        assert done.returncode == 0, done.stderr

    def command(self, *args: str) -> list[str]:
        """`args` run inside the namespace."""
        return ["ip", "netns", "exec", self.ns, *args]


@contextlib.contextmanager
def island() -> Iterator[Island]:
    made = Island()
    made.create()
    try:
        yield made
    finally:
        made.remove()
