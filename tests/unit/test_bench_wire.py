"""The bench's MQTT load generator writes the packets MQTT 3.1.1 defines (its delivery is tested against
real Mosquitto by tests/scaleout/test_bench_smoke.py)."""

from __future__ import annotations

import pytest

from bench.wire import QoS1Publisher, packet, utf8
from hub.transports.mqtt.client import remaining_length


@pytest.mark.parametrize(("n", "encoded"), [
    (0, "00"), (127, "7f"), (128, "8001"), (16_383, "ff7f"), (16_384, "808001"), (2_097_151, "ffff7f"),
    (2_097_152, "80808001"), (268_435_455, "ffffff7f"),
])
def test_remaining_length_is_the_variable_byte_integer_of_the_spec(n: int, encoded: str) -> None:
    assert remaining_length(n).hex() == encoded  # MQTT 3.1.1 §2.2.3, the examples of table 2.4


def test_a_publish_packet_has_header_length_topic_and_packet_id() -> None:
    body = utf8("city/fire/uitd") + (513).to_bytes(2, "big") + b"{}"
    data = packet(0x32, body)  # PUBLISH, QoS 1
    assert data[0] == 0x32 and data[1] == len(body)
    assert data[2:4] == (14).to_bytes(2, "big") and data[4:18] == b"city/fire/uitd"
    assert data[18:20] == b"\x02\x01" and data[20:] == b"{}"


def test_the_window_keeps_packet_ids_unique() -> None:
    with pytest.raises(ValueError, match="window"):
        QoS1Publisher("127.0.0.1", 1, "x", window=65_535)
