"""Road names for the generated address library.

No offline package ships Jiangmen's road names with their locations (PyPI ``pygeocoding``
only carries nationwide, unlocated lists of place and estate names), so names are made
deterministically in the city's own style: local stems first — the real names of the
town's communities and villages (羊桥 → 羊桥路) and of the town itself (棠下 → 棠下大道) —
then a pool of stems common in Jiangmen and Guangdong street naming, written for this
project. Every road name is unique in the city.
"""

from __future__ import annotations

_STEM_TEXT = """
建设 人民 中山 解放 新华 环城 繁荣 跃进 和平 文化 育才 工业 朝阳 东风 长安 兴业 富民 振兴 康乐 怡乐
滨江 江滨 沿江 迎宾 发展 龙湾 金瓯 华侨 侨乡 五邑 港口 丰乐 农林 白石 北新 南兴 东华 西堤 乐华 永安
永兴 国泰 民安 福泉 福民 锦江 锦绣 金桥 银洲 宝兴 宏达 盛世 嘉禾 新兴 新民 新安 旗山 圭峰 冈州 紫华
凤凰 葵湖 葵乡 侨兴 梅江 潭江 镇海 华园 蓬莱 天福 碧波 明珠 海傍 河堤 市前 仁和 仁寿 长兴 德政 广福
南安 北郊 东湖 西湖 石冲 启明 光明 育英 青年 学宫 书院 仓前 草塘 荷花 桂花 木棉 紫荆 榕树 竹园 梅园
兰园 松园 柏园 桃园 李园 杏园 莲塘 荔枝 龙眼 芒果 凤山 狮山 象山 鹤岭 鹿鸣 马山 牛山 龟山 蛇山 虎山
鱼塘 蟹洲 沙洲 沙岗 石岗 黄岗 红岭 青岭 白岭 金岭 银岭 玉岭 翠岭 碧岭 丹岭 紫岭 环岛 海滨 湖滨 江边
河边 塘边 田边 围仔 大围 新围 旧围 上围 下围 前进 先锋 团结 友谊 互助 合作 幸福 安居 乐业 太平 同乐
同德 同心 聚龙 腾龙 飞龙 卧龙 盘龙 回龙 游龙 云龙 金龙 银龙 宝龙 祥龙 瑞龙 华龙 兴龙 旺龙 昌龙 承启
惠民 利民 便民 安民 裕民 富强 富华 富康 富源 富临 宏图 宏远 宏业 鸿业 鸿图 鸿运 泰和 泰安 泰康 泰丰
瑞丰 瑞祥 瑞安 祥和 祥安 吉祥 吉安 吉庆 庆丰 庆云 庆华 丰华 丰泰 丰盛 盛华 盛景 景华 景泰 景云 云景
云山 云峰 峰景 翠景 翠园 翠华 翠苑 碧华 碧园 碧桂
"""
GENERIC_STEMS: tuple[str, ...] = tuple(_STEM_TEXT.split())

ROAD_SUFFIX = "路"
TRUNK_SUFFIX = "大道"
STREET_SUFFIX = "街"
LANE_SUFFIX = "巷"
DIRECTIONS = ("东", "西", "南", "北", "中")
ALTERNATIVE_SUFFIXES = {ROAD_SUFFIX: ("大街", "横路", "直街", "新路", "大马路")}
LANE_ORDINALS = ("一", "二", "三", "四")


def stem_of(name: str) -> str:
    """羊桥社区 → 羊桥, 桐井村 → 桐井, 棠下镇 → 棠下, 白沙街道 → 白沙."""
    for suffix in ("社区", "街道", "村", "镇", "区", "场生活区", "生活区"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _wildcards(name: str) -> list[str]:
    """The name with one character before its last blanked out (羊桥路 → ?桥路, 羊?路)."""
    return [name[:p] + "\0" + name[p + 1:] for p in range(len(name) - 1)]


class NameBook:
    """Hands out city-unique road names; deterministic given the order of requests.

    While it can, it also keeps names of the same kind at least two characters apart
    (no 羊桥路 beside 阳桥路), so a one-character typo in a name still points at one road.
    """

    def __init__(self, reserved: set[str]) -> None:
        self.used: set[str] = set()
        self._near: set[str] = set()
        self.crowded = 0  # names handed out although a one-character neighbour exists
        for name in sorted(reserved):
            self._take(name)

    def _take(self, name: str) -> str:
        self.used.add(name)
        self._near.update(_wildcards(name))
        return name

    def _free(self, name: str, strict: bool) -> bool:
        if name in self.used or len(name) < 3:
            return False
        return not strict or not any(w in self._near for w in _wildcards(name))

    def claim(self, name: str, strict: bool = True) -> str | None:
        if not self._free(name, strict):
            return None
        self.crowded += not strict and any(w in self._near for w in _wildcards(name))
        return self._take(name)

    def road(self, local_stems: list[str], suffix: str = ROAD_SUFFIX) -> str:
        """A new road name: a free local stem, else a generic one, else one with a direction."""
        for strict in (True, False):
            for ending in (suffix, *ALTERNATIVE_SUFFIXES.get(suffix, ())):
                for stem in [*local_stems, *GENERIC_STEMS]:
                    if (got := self.claim(stem + ending, strict)) is not None:
                        return got
            for stem in local_stems + list(GENERIC_STEMS):
                for direction in DIRECTIONS:
                    if (got := self.claim(stem + direction + suffix, strict)) is not None:
                        return got
        raise RuntimeError("out of road names")
