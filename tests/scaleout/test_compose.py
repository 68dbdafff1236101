"""docker-compose.yml is a valid Compose project with the multi-machine shape, checked by the real
Compose v2 parser (no Docker daemon needed); a broken file must fail the same check."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"


def compose_config(binary: Path, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(binary), "-f", str(path), "config", "--format", "json"], cwd=path.parent,
                          capture_output=True, text=True, timeout=60, check=False)


def project(binary: Path) -> dict[str, Any]:
    done = compose_config(binary, COMPOSE_FILE)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_compose_file_is_valid(compose_bin: Path) -> None:
    assert project(compose_bin)["name"] == "cityhub"


def test_broken_compose_files_fail_the_same_check(compose_bin: Path, tmp_path: Path) -> None:
    bad_yaml = tmp_path / "bad-yaml.yml"
    bad_yaml.write_text("services:\n  hub:\n    image: cityhub\n    ports: [[[\n")
    unknown_service = tmp_path / "bad-ref.yml"
    unknown_service.write_text("services:\n  hub:\n    image: cityhub\n    depends_on: [kafka]\n")
    bad_key = tmp_path / "bad-key.yml"
    bad_key.write_text("services:\n  hub:\n    image: cityhub\n    replicas_of_the_hub: 3\n")
    for path in (bad_yaml, unknown_service, bad_key):
        done = compose_config(compose_bin, path)
        assert done.returncode != 0, f"{path.name} passed: {done.stdout[:200]}"
        assert done.stderr.strip()


def test_kafka_runs_in_kraft_mode_with_postgis_and_mosquitto(compose_bin: Path) -> None:
    services = project(compose_bin)["services"]
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]  # KRaft: no ZooKeeper service
    assert not any("zookeeper" in name for name in services)
    assert services["postgres"]["image"].startswith("postgis/postgis:")
    assert services["mosquitto"]["image"].startswith("eclipse-mosquitto:2")
    mounted = {v["target"]: v for v in services["mosquitto"]["volumes"]}
    assert (ROOT / "deploy" / "mosquitto.conf").samefile(mounted["/mosquitto/config/mosquitto.conf"]["source"])


def test_hub_workers_share_one_consumer_group_one_mqtt_share_group_and_one_store(compose_bin: Path) -> None:
    services = project(compose_bin)["services"]
    workers = {n: s for n, s in services.items() if s.get("environment", {}).get("CITYHUB_KAFKA")}
    assert len(workers) >= 3, sorted(workers)
    env = [w["environment"] for w in workers.values()]
    assert {e["CITYHUB_KAFKA_GROUP"] for e in env} == {"cityhub"}
    assert {e["CITYHUB_MQTT_SHARE_GROUP"] for e in env} == {"cityhub"}
    assert len({e["CITYHUB_MQTT_CLIENT_ID"] for e in env}) == len(workers)  # one session each
    assert len({e["CITYHUB_DB"] for e in env}) == 1 and env[0]["CITYHUB_DB"].startswith("postgresql://")
    for worker in workers.values():
        assert worker["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert worker["depends_on"]["kafka-topics"]["condition"] == "service_completed_successfully"


def test_the_map_and_simulators_run_from_the_image_the_dockerfile_builds(compose_bin: Path) -> None:
    services = project(compose_bin)["services"]
    assert any(p.get("published") == "8000" for p in services["map"]["ports"])
    assert services["map"]["environment"]["CITYHUB_DB"].startswith("postgresql://")
    assert services["map"]["environment"]["CITYHUB_LIVE_FROM_KAFKA"] == "kafka:9092"  # live map: the normalized topic
    assert "CITYHUB_KAFKA" not in services["map"]["environment"]  # an instance, not a worker
    sims = [s for n, s in services.items() if n.startswith("simulators")]
    assert {s["command"][0] for s in sims} == {"simulate"}
    assert {"--kafka", "--mqtt"} <= {arg for s in sims for arg in s["command"]}
    built = [s["build"] for s in services.values() if "build" in s]
    assert built and {Path(b["context"]) / b["dockerfile"] for b in built} == {ROOT / "deploy" / "Dockerfile"}
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    for line in dockerfile.splitlines():  # everything the image copies exists in the repository
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
    assert 'ENTRYPOINT ["cityhub"]' in dockerfile
