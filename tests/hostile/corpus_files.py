"""Reading the committed hostile corpus (written by make_corpus.py)."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"


@dataclass(frozen=True)
class Entry:
    file: str
    payload: bytes
    expect: str  # "stored", "duplicate", or the start of the dead letter's reason
    topic: str = ""


def read(path: Path) -> bytes:
    raw = path.read_bytes()
    return gzip.decompress(raw) if path.suffix == ".gz" else raw


def entries(folder: Path) -> list[Entry]:
    listed = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return [Entry(e["file"], read(folder / e["file"]), e["expect"], e.get("topic", "")) for e in listed]


def hub_entries() -> list[Entry]:
    return entries(CORPUS / "hub")


def native_entries() -> dict[str, list[Entry]]:
    return {folder.name: entries(folder) for folder in sorted((CORPUS / "native").iterdir())}
