"""paho-mqtt as hub.transports.mqtt.client needs it: a version inside the pin, with every internal it touches.

These fail loudly, naming what is missing, when a paho outside the pin is installed: the hub's MQTT
client would otherwise break at run time, under load, in ways a connection test does not show.
"""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import paho.mqtt.client as paho
from packaging.specifiers import SpecifierSet
from paho.mqtt.enums import CallbackAPIVersion

from hub.transports.mqtt.client import IN_PACKET_KEYS, PAHO_INTERNALS, PAHO_PIN

ROOT = Path(__file__).resolve().parents[2]


def test_the_installed_paho_is_inside_the_pin() -> None:
    installed = version("paho-mqtt")
    assert installed in SpecifierSet(PAHO_PIN), (
        f"paho-mqtt {installed} is installed; hub/transports/mqtt/client.py is written against {PAHO_PIN}")


def test_pyproject_pins_paho_as_the_client_module_says() -> None:
    pinned = re.search(r'"paho-mqtt([^"]*)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pinned is not None, "pyproject.toml does not name paho-mqtt"
    assert SpecifierSet(pinned.group(1)) == SpecifierSet(PAHO_PIN)


def test_every_paho_internal_the_client_touches_is_there() -> None:
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="pin-check")
    missing = [name for name in PAHO_INTERNALS if not hasattr(client, name)]
    assert not missing, f"paho-mqtt {version('paho-mqtt')} lacks {missing}: update hub/transports/mqtt/client.py"
    assert callable(getattr(paho, "time_func", None)), "paho-mqtt no longer has paho.mqtt.client.time_func"
    assert set(IN_PACKET_KEYS) <= set(client._in_packet), "paho's packet being read lost a key the client reads"
