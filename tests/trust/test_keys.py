"""The key table on SQLite and PostgreSQL, the hub's ring over it, and `cityhub keys`."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.cli import main
from hub.trust.keys import KeyRing, KeyTable, load_private, public_text
from hub.trust.signing import BadSignature, signed
from hub.trust.verify import Verifier
from tests.unit.test_decode import parking_event


def test_keys_are_added_revoked_and_listed(key_db: str) -> None:
    table = KeyTable(key_db)
    first, second = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    table.add("parking-lots", first.public_key(), now=100)
    table.add("parking-lots", second.public_key(), now=200)
    table.add("water-sl651", second.public_key(), now=300)
    assert table.revoke("parking-lots", now=350, key="not-a-key") == 0
    assert table.revoke("parking-lots", now=400) == 2
    assert table.revoke("parking-lots") == 0
    rows = [(r.adapter, r.public_key, r.issued_at, r.revoked_at) for r in KeyTable(key_db).rows()]
    assert rows == [("parking-lots", public_text(first.public_key()), 100, 400),
                    ("parking-lots", public_text(second.public_key()), 200, 400),
                    ("water-sl651", public_text(second.public_key()), 300, None)]


def test_the_ring_sees_a_revocation_at_its_next_refresh(key_db: str) -> None:
    table = KeyTable(key_db)
    key = Ed25519PrivateKey.generate()
    table.add("parking-lots", key.public_key())
    ring = KeyRing(table, refresh_s=3600)
    verify = Verifier(ring, required=True)
    event = signed(parking_event(), key, "parking-lots")
    verify(event)
    table.revoke("parking-lots")
    verify(event)  # within the refresh interval the ring still holds the key
    ring.reload()
    with pytest.raises(BadSignature, match="revoked key"):
        verify(event)


def test_the_ring_keeps_its_keys_when_the_database_is_away(tmp_path: Path) -> None:
    table = KeyTable(f"sqlite:///{tmp_path / 'k.sqlite'}")
    key = Ed25519PrivateKey.generate()
    table.add("parking-lots", key.public_key())
    ring = KeyRing(table, refresh_s=0)
    assert ring.get("parking-lots") is not None
    table.target = str(tmp_path / "gone" / "k.sqlite")  # a database that cannot be opened
    known = ring.get("parking-lots")
    assert known is not None and len(known.live) == 1


def cli(*args: str) -> int:
    return main(list(args))


def test_cityhub_keys_issue_list_revoke(key_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pem = tmp_path / "parking-lots.pem"
    assert cli("keys", "issue", "parking-lots", "--out", str(pem), "--db", key_db) == 0
    issued = json.loads(capsys.readouterr().out)
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert issued["public_key"] == public_text(load_private(pem).public_key())
    assert cli("keys", "issue", "parking-lots", "--out", str(pem), "--db", key_db) == 1  # never overwritten
    assert "never overwritten" in capsys.readouterr().err
    assert cli("keys", "issue", "no such adapter", "--out", str(tmp_path / "x.pem"), "--db", key_db) == 2
    assert not (tmp_path / "x.pem").exists()
    capsys.readouterr()
    assert cli("keys", "list", "--json", "--db", key_db) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(k["adapter"], k["public_key"], k["revoked_at"]) for k in listed] == [
        ("parking-lots", issued["public_key"], None)]
    capsys.readouterr()
    assert cli("keys", "issue", "parking-lots", "--out", str(tmp_path / "next.pem"), "--db", key_db) == 0
    rolled = json.loads(capsys.readouterr().out)  # a rollover: the new key first, then the old one revoked
    # `--key=…`: a base64url key begins with "-" one time in 64, which `--key -…` would read as an option
    assert cli("keys", "revoke", "parking-lots", f"--key={issued['public_key']}", "--db", key_db) == 0
    assert json.loads(capsys.readouterr().out) == {"adapter": "parking-lots", "revoked": 1}
    live = [r.public_key for r in KeyTable(key_db).rows() if r.revoked_at is None]
    assert live == [rolled["public_key"]]
    assert cli("keys", "revoke", "parking-lots", "--db", key_db) == 0
    assert json.loads(capsys.readouterr().out) == {"adapter": "parking-lots", "revoked": 1}
    assert cli("keys", "revoke", "parking-lots", "--db", key_db) == 1
    assert "has no live key" in capsys.readouterr().err
    assert cli("keys", "list", "--db", key_db) == 0
    assert "revoked 20" in capsys.readouterr().out


def test_a_key_that_begins_with_a_dash_is_read_after_an_equals_sign() -> None:
    from hub.cli import parser

    args = parser().parse_args(["keys", "revoke", "parking-lots", "--key=-Xk9v"])
    assert args.key == "-Xk9v"


def test_publishers_load_keys_by_adapter_or_from_a_directory(tmp_path: Path) -> None:
    from hub.trust.signer import Signer

    keys = tmp_path / "keys"
    keys.mkdir()
    for name in ("parking-lots", "water-sl651"):
        assert cli("keys", "issue", name, "--out", str(keys / f"{name}.pem"), "--db", f"sqlite:///{tmp_path}/k") == 0
    by_dir = Signer.load([str(keys)])
    assert sorted(by_dir.keys) == ["parking-lots", "water-sl651"]
    by_name = Signer.load([f"parking-lots={keys / 'parking-lots.pem'}"])
    event = parking_event()
    assert by_name(event)["signature"] == by_dir(event)["signature"]
    assert "signature" not in by_name(parking_event(source="/jiangmen/parking/berths/B-1"))  # no key: unsigned
    with pytest.raises(ValueError, match=r"ADAPTER=PRIVATE\.pem"):
        Signer.load([str(tmp_path / "missing")])
