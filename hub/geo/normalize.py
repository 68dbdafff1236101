"""Clean up address text before matching: width, traditional forms, numerals, spacing."""

from __future__ import annotations

import re
import unicodedata

_TRAD = str.maketrans({
    "號": "号", "區": "区", "鎮": "镇", "門": "门", "會": "会", "開": "开", "鶴": "鹤", "臺": "台",
    "東": "东", "華": "华", "興": "兴", "寧": "宁", "龍": "龙", "長": "长", "豐": "丰", "莊": "庄",
    "灣": "湾", "岡": "冈", "橋": "桥", "圍": "围", "鄉": "乡", "園": "园", "棟": "栋", "樓": "楼",
    "層": "层", "單": "单", "場": "场", "鳳": "凤", "雲": "云", "馬": "马", "陽": "阳", "嶺": "岭",
    "邊": "边", "廣": "广", "縣": "县", "裡": "里", "衛": "卫", "禮": "礼", "樂": "乐", "滄": "沧",
    "雙": "双", "羅": "罗", "嶼": "屿", "蓮": "莲", "們": "们", "湧": "涌", "後": "后", "緣": "缘",
    "倉": "仓", "陳": "陈", "張": "张", "黃": "黄", "蘆": "芦", "魚": "鱼", "鳥": "鸟", "義": "义",
    "學": "学", "實": "实", "紅": "红", "綠": "绿", "藍": "蓝", "業": "业", "農": "农", "歸": "归",
})
_DROP = re.compile(r"[\s,，。、;；:：'\"“”‘’()（）\[\]【】<>《》·._\-—/\\|~～]+")
_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUMBER = re.compile(r"([零〇○一二两三四五六七八九十百千]+)(?=号|弄|栋|幢|座|室|房|楼|层|单元|户|之|$)")
_POSTCODE = re.compile(r"^529\d{3}(?=\D)")
# Guangdong sub-numbers (之一 of a house): 19-1号, 19－1, 19之1号, 19号之一 all become 19号之1, so the
# dash is never dropped into another number (191) and the base number stays the house number.
_DASHED_SUB = re.compile(r"(\d+)\s*[-‐‑–—−~～]\s*(\d+)\s*(?:号|$)")
_ZHI_SUB = re.compile(r"(\d+)之(\d+)号")
_DASH = re.compile(r"[-‐‑–—−~～]")  # the dashes _DASHED_SUB reads


def chinese_to_int(text: str) -> int:
    """十二 → 12, 二十三 → 23, 一百零五 → 105, 一二三 → 123 (digit by digit)."""
    if not any(ch in _UNITS for ch in text):
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, digit = 0, 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            total += (digit or 1) * _UNITS[ch]
            digit = 0
    return total + digit


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters), simplified forms, no spaces or punctuation,
    Chinese numerals before 号/栋/室… as Arabic digits, a leading postcode dropped, and a
    sub-number written as `N号之M` (19-1号, 19之1号 and 19号之一 alike)."""
    s = unicodedata.normalize("NFKC", text).translate(_TRAD)
    if _DASH.search(s):  # the sub-number rewrites run only where they can match: most texts have neither
        s = _DASHED_SUB.sub(r"\1号之\2", s)
    s = _DROP.sub("", s)
    s = _POSTCODE.sub("", s)
    s = _CN_NUMBER.sub(lambda m: str(chinese_to_int(m.group(1))), s)
    return _ZHI_SUB.sub(r"\1号之\2", s) if "之" in s else s
