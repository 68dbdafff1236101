"""A host of its own for a hub worker: a network namespace joined to this host by veth pairs.

The namespace and every pair are made by the test and removed after it; the only addresses are the
pairs', each in a /30 of 10.231.0.0/16 the test picks, and the namespace's loopback. A second pair
(`add_link`) lets a test cut one path (say, to the database) and keep another (to the broker).
`cut()` takes the host's end of a pair down — the worker's packets go nowhere, with no reset or FIN,
as when a cable or a switch fails — and `restore()` brings it back.
"""

from __future__ import annotations

import contextlib
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

from tests.support import need


def ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20, check=False)


@dataclass(frozen=True)
class Link:
    host_end: str
    island_end: str
    host_address: str
    island_address: str


class Island:
    def __init__(self) -> None:
        self.tag = secrets.token_hex(3)
        self.ns = f"chp{self.tag}"
        self.links: list[Link] = []

    @property
    def host_address(self) -> str:
        return self.links[0].host_address

    @property
    def island_address(self) -> str:
        return self.links[0].island_address

    def create(self) -> None:
        made = ip("netns", "add", self.ns)
        need(made.returncode == 0, f"the kernel refuses a network namespace here: ip netns add: {made.stderr.strip()}")
        done = ip("netns", "exec", self.ns, "ip", "link", "set", "lo", "up")
        if done.returncode != 0:
            self.remove()
            need(False, f"the namespace's loopback will not come up: {done.stderr.strip()}")
        self.add_link()

    def add_link(self) -> Link:
        n, third = len(self.links), secrets.randbelow(256)
        net = f"10.231.{third}"
        link = Link(f"vh{self.tag}{n}", f"vn{self.tag}{n}", f"{net}.{4 * n + 1}", f"{net}.{4 * n + 2}")
        steps = [
            ("link", "add", link.host_end, "type", "veth", "peer", "name", link.island_end),
            ("link", "set", link.island_end, "netns", self.ns),
            ("addr", "add", f"{link.host_address}/30", "dev", link.host_end),
            ("link", "set", link.host_end, "up"),
            ("netns", "exec", self.ns, "ip", "addr", "add", f"{link.island_address}/30", "dev", link.island_end),
            ("netns", "exec", self.ns, "ip", "link", "set", link.island_end, "up"),
        ]
        self.links.append(link)
        for step in steps:
            done = ip(*step)
            if done.returncode != 0:
                self.remove()
                need(False, f"the kernel refuses the veth pair: ip {' '.join(step)}: {done.stderr.strip()}")
        return link

    def remove(self) -> None:
        for link in self.links:
            ip("link", "del", link.host_end)  # takes its peer with it
        ip("netns", "del", self.ns)

    def cut(self, link: int = 0) -> None:
        done = ip("link", "set", self.links[link].host_end, "down")
        assert done.returncode == 0, done.stderr

    def restore(self, link: int = 0) -> None:
        done = ip("link", "set", self.links[link].host_end, "up")
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
