"""The whole loop through a running hub: a severe incident reported up, the simulated province sends a
督办 order down, it lands as a step on the incident and as an e-mail to the department, and the step is
reported up again. The HTTP face of notices and the exchange refuses bad input with a reason."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import yaml

from hub.notify.channels.webhook import signature
from hub.settings import Settings
from tests.exchange.conftest import SECRET
from tests.incidents.factory import waterlogging
from tests.notify.book import DOC
from tests.notify.sinks import SmtpSink
from tests.support import HTTP, free_port, running_hub, wait_for

OPERATOR = {"authorization": "Bearer op-token"}


def signed(body: dict, secret: str = SECRET) -> dict[str, str]:  # type: ignore[type-arg]
    stamp = str(int(time.time()))
    return {"content-type": "application/json", "x-cityhub-timestamp": stamp,
            "x-cityhub-signature": signature(secret, stamp, json.dumps(body).encode())}


def post_order(url: str, body: dict, secret: str = SECRET) -> httpx.Response:  # type: ignore[type-arg]
    return HTTP.post(url + "/api/exchange/orders", content=json.dumps(body).encode(), headers=signed(body, secret))


def test_a_supervision_order_reaches_the_incident_and_its_department(
        tmp_path: Path, province: Callable[..., str], smtp_sink: SmtpSink) -> None:
    book = tmp_path / "notifications.yaml"
    book.write_text(yaml.safe_dump(DOC | {"triggers": {k: dict(v) | {"to": list(v["to"])}
                                                        for k, v in DOC["triggers"].items()}}, allow_unicode=True))
    port = free_port()
    base = province(hub_url=f"http://127.0.0.1:{port}", supervise_severity=3)
    settings = Settings(data_dir=tmp_path, port=port, exchange_url=base + "/reports", exchange_secret=SECRET,
                        exchange_every_s=0.2, notifications_file=book, notify_smtp_url=smtp_sink.url,
                        notify_every_s=0.2, operator_token="op-token")
    with running_hub(settings) as running:
        [incident] = running.hub.incidents.absorb([waterlogging(30)])
        wait_for(lambda: any(s["action"] == "supervise" for s in running.get(f"/api/incidents/{incident.id}")
                             .json()["steps"]), what="the 督办 step")
        step = next(s for s in running.get(f"/api/incidents/{incident.id}").json()["steps"]
                    if s["action"] == "supervise")
        assert step["who"] == "province:粤治慧"
        assert "请加强处置力量" in step["note"] and "督办单 YZH-DB-" in step["note"]
        wait_for(lambda: any(s.startswith("【省级督办】") for s in smtp_sink.mailbox.subjects()), what="the e-mail")
        mail = next(m for m in smtp_sink.mailbox.messages if str(m["Subject"]).startswith("【省级督办】"))
        assert mail["To"] == "dept@test.example" and "请加强处置力量" in mail.get_content()

        def reported_back() -> bool:
            saw = HTTP.get(base + "/reports").json()["reports"]
            return any(r["step"]["action"] == "supervise" for r in saw if r["kind"] == "incident")

        wait_for(reported_back, what="the 督办 step reported up")
        state = running.get("/api/exchange").json()
        assert state["endpoint"] == base + "/reports" and state["backlog"] == 0 and state["last_seq"] >= 2
        sent = running.get("/api/notifications", state="sent", channel="email").json()
        assert any(n["trigger"] == "supervision" and n["recipient"] == "dept" for n in sent["items"])

        # the order again changes nothing; bad orders are refused with a reason
        order = HTTP.get(base + "/reports").json()["orders"][0]
        order = {k: v for k, v in order.items() if k != "status"}
        again = post_order(running.url, order)
        assert again.status_code == 200 and again.json()["accepted"] is False
        assert post_order(running.url, order, secret="wrong").status_code == 401
        assert post_order(running.url, order | {"incident": "440700-INC-999999"}).status_code == 404
        bad = post_order(running.url, order | {"text": ""})
        assert bad.status_code == 422 and "text" in bad.text
        steps = running.get(f"/api/incidents/{incident.id}").json()["steps"]
        assert sum(s["action"] == "supervise" for s in steps) == 1


def test_the_notices_api_validates_and_recipients_choose_their_channels(tmp_path: Path) -> None:
    with running_hub(Settings(data_dir=tmp_path, operator_token="op-token", notify_smtp_url="smtp://127.0.0.1:9",
                              notify_every_s=0, exchange_every_s=0)) as running:
        assert running.get("/api/notifications", state="bogus").status_code == 422
        assert running.get("/api/notifications", channel="fax").status_code == 422
        assert running.get("/api/notifications", since="yesterday").status_code == 422
        assert running.get("/api/notifications", limit=0).status_code == 422
        assert running.get("/api/exchange", limit=-1).status_code == 422
        listing = running.get("/api/notifications").json()
        assert listing["items"] == [] and listing["channels"]["configured"] == ["email"]
        [cgj] = running.get("/api/notifications/recipients", id="cgj").json()["items"]
        assert running.get("/api/notifications/recipients", id="nobody").status_code == 404
        assert {c["channel"]: c["enabled"] for c in cgj["channels"]} == {"email": True, "sms": True, "webhook": True}
        url = running.url + "/api/notifications/recipients/cgj/channels/email"
        assert HTTP.put(url, json={"enabled": False}).status_code == 403  # administrators only
        assert HTTP.put(url, json={"enabled": True, "address": "nobody"}, headers=OPERATOR).status_code == 422
        changed = HTTP.put(url, json={"enabled": False}, headers=OPERATOR)
        assert changed.status_code == 200
        assert next(c for c in changed.json()["channels"] if c["channel"] == "email")["enabled"] is False
        notifier = running.hub.notifier
        context = {"department": "江门市城市管理和综合执法局", "device_id": "D1"}
        assert notifier.notify("device_offline", "offline/D1/1", context) == 1  # ops-duty's e-mail; cgj's is off
        assert HTTP.put(running.url + "/api/notifications/recipients/nobody/channels/email",
                        json={"enabled": False}, headers=OPERATOR).status_code == 404
        assert HTTP.post(running.url + "/api/exchange/replay", params={"since": "2026-01-01T00:00:00+08:00"},
                         headers=OPERATOR).json() == {"since": "2026-01-01T00:00:00+08:00", "queued": 0}


def test_a_signed_in_user_gives_their_own_mobile_and_gets_their_areas_notices(tmp_path: Path) -> None:
    with running_hub(Settings(data_dir=tmp_path, operator_token="op-token", notify_sms_url="http://127.0.0.1:9/sms",
                              notify_every_s=0, exchange_every_s=0)) as running:
        running.hub.warm.wait(120)  # the geography loads first: on a busy machine it holds the interpreter
        people = running.hub.people
        people.users.add("pj_duty", "district_operator", "correct-horse-battery", district="440703")
        people.users.add("ts_duty", "district_operator", "correct-horse-battery", district="440781")
        tokens = {n: people.tokens.issue(n).token for n in ("pj_duty", "ts_duty")}

        def as_user(name: str) -> dict[str, str]:
            return {"authorization": f"Bearer {tokens[name]}"}

        url = running.url + "/api/notifications/me"
        mine = HTTP.get(url, headers=as_user("pj_duty")).json()
        assert mine["id"] == "user:pj_duty" and mine["role"] == "district" and mine["channels"] == []
        assert HTTP.get(url, headers=OPERATOR).status_code == 403  # a service token is nobody's own
        assert HTTP.put(url + "/channels/sms", json={"enabled": True}, headers=as_user("pj_duty")).status_code == 422
        assert HTTP.put(url + "/channels/sms", json={"enabled": True, "address": "12"},
                        headers=as_user("pj_duty")).status_code == 422
        assert HTTP.put(url + "/channels/webhook", json={"enabled": True},
                        headers=as_user("pj_duty")).status_code == 422
        for name, mobile in (("pj_duty", "13900000001"), ("ts_duty", "13900000002")):
            answer = HTTP.put(url + "/channels/sms", json={"enabled": True, "address": mobile}, headers=as_user(name))
            assert answer.status_code == 200, answer.text
        [sms] = HTTP.get(url, headers=as_user("pj_duty")).json()["channels"]
        assert sms == {"channel": "sms", "address": "13900000001", "enabled": True, "configured": True,
                       "triggers": sorted(running.hub.notifier.book.triggers)}
        context = {"district_code": "440703", "district_name": "蓬江区", "title": "蓬江区未来1小时内涝风险高"}
        running.hub.notifier.notify("forecast_warning", "forecast/pj/1", context)
        listed = running.url + "/api/notifications"
        mobiles = {n["address"] for n in HTTP.get(listed, params={"channel": "sms"}, headers=OPERATOR).json()["items"]}
        assert "13900000001" in mobiles and "13900000002" not in mobiles  # 台山's duty is not in 蓬江
        HTTP.put(url + "/channels/sms", json={"enabled": False}, headers=as_user("pj_duty"))
        running.hub.notifier.notify("forecast_warning", "forecast/pj/2", context)
        latest = HTTP.get(listed, params={"channel": "sms"}, headers=OPERATOR).json()["items"]
        assert not any(n["address"] == "13900000001" and "forecast/pj/2" in n["key"] for n in latest)
