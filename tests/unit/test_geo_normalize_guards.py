"""`normalize` skips a rewrite where the text holds none of what it matches: the same text as running every
rewrite (the plain path), on generated messy addresses and on the sub-number forms."""

from __future__ import annotations

import random
import sys
import unicodedata
from pathlib import Path

from hub.geo import load_city
from hub.geo import normalize as module
from hub.geo.normalize import normalize

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "geo"))
from perturb import generate


def every_rewrite(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).translate(module._TRAD)
    s = module._DASHED_SUB.sub(r"\1号之\2", s)
    s = module._DROP.sub("", s)
    s = module._POSTCODE.sub("", s)
    s = module._CN_NUMBER.sub(lambda m: str(module.chinese_to_int(m.group(1))), s)
    return module._ZHI_SUB.sub(r"\1号之\2", s)


def test_normalize_is_every_rewrite_run() -> None:
    texts = [s.text for s in generate(load_city(), 1500, 300, seed=30)]
    rng = random.Random(30)
    pieces = ["19", "-", "－", "‐", "—", "~", "～", "之", "1", "号", "之一", "二十三", "529000", " ", "棟", "幢", "路",
              "號"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 9))) for _ in range(3000)]
    texts += ["白沙大道19-1号", "白沙大道19－1", "白沙大道19之1号", "白沙大道19号之一", "529000江门市白沙大道2号"]
    changed = 0
    for text in texts:
        assert normalize(text) == every_rewrite(text), text
        changed += every_rewrite(text) != text
    assert changed > 1000 and normalize("白沙大道19-1号") == "白沙大道19号之1"
