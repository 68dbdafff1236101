"""Broker passwords never reach the logs: the hub logs its authenticated broker's URL redacted."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from hub.api.security import redacted
from hub.settings import Settings
from tests.security.mosquitto import Mosquitto
from tests.support import running_hub


def test_redacted_hides_only_the_password() -> None:
    assert redacted("mqtt://cityhub:s3cr%40t@127.0.0.1:1883") == "mqtt://cityhub:***@127.0.0.1:1883"
    assert redacted("postgresql://hub:pw@db.jm.gov.cn/cityhub") == "postgresql://hub:***@db.jm.gov.cn/cityhub"
    for plain in ("mqtt://127.0.0.1:1883", "mqtt://reader@127.0.0.1:1883"):
        assert redacted(plain) == plain


@pytest.mark.integration
def test_the_hub_never_logs_its_broker_password(secure_broker: Mosquitto, tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(data_dir=tmp_path, mqtt=secure_broker.url("cityhub"), mqtt_client_id="hub-redaction")
    with caplog.at_level(logging.INFO), running_hub(settings) as hub:
        assert hub.hub.ingests["mqtt"].connected.wait(10)
    assert "cityhub:***@" in caplog.text
    assert secure_broker.accounts["cityhub"] not in caplog.text
