"""Pinyin search keys for Chinese names.

pypinyin reads a character the way it is most often read, which is wrong for several surnames
(曾 zeng not ceng, 单 shan not dan, 解 xie not jie). Person names take the surname reading;
company names keep pypinyin's reading first and add the surname reading as a second variant,
since 单县 (a place) and 曾记 (a family business) both occur. In a company name the surname
reading applies where its brand starts: at the start of the name, or after the place names it
starts with (重庆曾记物流, 广东省深圳市单氏贸易, （苏州）曾记). Variants are joined with a space,
so a substring search finds either and sorting follows the first; a second variant only ever adds
matches, so a place name followed by an ordinary word (重庆解放碑) costs nothing but a few bytes.

The keys are cut to fit their columns: a name of 67 x 庄 has 402 letters of pinyin.
"""

import re
import unicodedata

from django.apps import apps
from pypinyin import lazy_pinyin

SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "覃": "qin",
    "乐": "yue",
    "缪": "miao",
    "秘": "bi",
    "种": "chong",
    "折": "she",
    "员": "yun",
    "召": "shao",
    "繁": "po",
    "句": "gou",
    "尉": "yu",
    "翟": "zhai",
    "万俟": "moqi",
    "尉迟": "yuchi",
    "长孙": "zhangsun",
    "宓": "mi",
    "谌": "chen",
    "隗": "wei",
    "柏": "bai",
    "重": "chong",
}

# Where company names start: provincial-level divisions and the larger cities. A name may
# start with several (广东省深圳市), each with or without its suffix, and in brackets.
_PLACE_GROUPS = (
    # provinces, municipalities, autonomous regions, special administrative regions
    "北京 天津 上海 重庆 河北 山西 内蒙古 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北",
    "湖南 广东 广西 海南 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 台湾 香港 澳门",
    # provincial capitals
    "石家庄 太原 呼和浩特 沈阳 长春 哈尔滨 南京 杭州 合肥 福州 南昌 济南 郑州 武汉 长沙 广州 南宁",
    "海口 成都 贵阳 昆明 拉萨 西安 兰州 西宁 银川 乌鲁木齐 台北",
    # other large cities
    "大连 青岛 宁波 厦门 深圳 苏州 无锡 常州 南通 徐州 扬州 镇江 盐城 泰州 连云港 淮安 宿迁 昆山",
    "温州 绍兴 嘉兴 湖州 金华 台州 义乌 舟山 佛山 东莞 珠海 中山 惠州 汕头 江门 湛江 肇庆",
    "泉州 漳州 莆田 烟台 潍坊 临沂 淄博 济宁 威海 日照 洛阳 开封 南阳 新乡 唐山 保定 邯郸 秦皇岛",
    "廊坊 沧州 包头 鄂尔多斯 大同 鞍山 抚顺 锦州 大庆 齐齐哈尔 芜湖 蚌埠 安庆 赣州 九江 襄阳 宜昌",
    "荆州 株洲 湘潭 岳阳 衡阳 常德 柳州 桂林 北海 三亚 绵阳 宜宾 南充 乐山 遵义 曲靖 大理 丽江",
    "宝鸡 咸阳 榆林 天水 克拉玛依",
)
PLACES = tuple(place for group in _PLACE_GROUPS for place in group.split())
PLACE_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")
_PLACE_PREFIX = re.compile(
    "^(?:[（(]?(?:{places})(?:{suffixes})?[）)]?)+".format(
        places="|".join(sorted(PLACES, key=len, reverse=True)),
        suffixes="|".join(PLACE_SUFFIXES),
    )
)

_KEEP = re.compile(r"[a-z0-9]+")


class _Unread(str):
    """A run of characters pypinyin has no reading for, passed through as typed."""


def _pieces(text):
    """pypinyin's reading of ``text`` in pieces: one per Chinese character, one per run of other
    characters; each is (how many characters it stands for, its syllables). Other characters
    give their lower-case alphanumeric runs as syllables."""
    pieces = []
    for item in lazy_pinyin(text, errors=lambda chars: [_Unread(chars)]):
        width = len(item) if isinstance(item, _Unread) else 1
        pieces.append((width, _KEEP.findall(unicodedata.normalize("NFKC", item).lower())))
    return pieces


def _syllables(pieces):
    return [syllable for _width, syllables in pieces for syllable in syllables]


def _with_surname(pieces, start, length, reading):
    """The syllables of ``pieces`` with the ``length`` characters at ``start`` read as the surname
    ``reading``; the rest keeps pypinyin's reading of the whole name."""
    result, position = [], 0
    for width, syllables in pieces:
        if position == start:
            result.extend(_surname_syllables(reading))
        if not start <= position < start + length:
            result.extend(syllables)
        position += width
    return result


def _keys(syllables):
    return "".join(syllables), "".join(s[0] for s in syllables if s)


def brand_start(name):
    """Where the brand of company ``name`` starts: after the place names it starts with, if any."""
    match = _PLACE_PREFIX.match(name)
    return match.end() if match else 0


def _surname_split(name, *, person):
    """(start, length, reading) of the surname in ``name`` where one would stand (at the start of
    a person's name, at a company's brand start), or None if none stands there."""
    start = 0 if person else brand_start(name)
    for length in (2, 1):
        head = name[start : start + length]
        if len(head) == length and len(name) > start + length and head in SURNAME_READINGS:
            return start, length, SURNAME_READINGS[head]
    return None


def column_length(model, field_name):
    """The ``max_length`` of ``model``'s column (``model``: a class or an "app.Model" label)."""
    if isinstance(model, str):
        model = apps.get_model(model)
    return model._meta.get_field(field_name).max_length


def fit_variants(variants, max_length):
    """``variants`` joined with spaces, within ``max_length`` characters.

    Variants that don't fit together are each cut to an equal share: they differ only in their
    first syllables (the surname), so each keeps its start for prefix search and sorting, and a
    long name's tail goes from both.
    """
    joined = " ".join(variants)
    if max_length is None or len(joined) <= max_length:
        return joined
    share = (max_length - (len(variants) - 1)) // len(variants)
    return " ".join(variant[:share] for variant in variants)


def pinyin_keys(name, *, person=False, max_lengths=None):
    """(full pinyin, initials) of ``name``, each possibly two space-separated variants.

    ``max_lengths``: (pinyin, initials) column lengths the keys are cut to fit; by default those of
    Customer.name_pinyin and Customer.name_initials.
    """
    if max_lengths is None:
        max_lengths = (
            column_length("customers.Customer", "name_pinyin"),
            column_length("customers.Customer", "name_initials"),
        )
    full_max, initials_max = max_lengths
    name = (name or "").strip()
    pieces = _pieces(name)
    default_full, default_initials = _keys(_syllables(pieces))
    split = _surname_split(name, person=person)
    if split is None:
        return fit_variants([default_full], full_max), fit_variants([default_initials], initials_max)
    # Two-character surnames read as two syllables for the initials (尉迟 -> yc).
    surname_full, surname_initials = _keys(_with_surname(pieces, *split))
    if person:
        variants = [(surname_full, surname_initials), (default_full, default_initials)]
    else:
        variants = [(default_full, default_initials), (surname_full, surname_initials)]
    fulls = list(dict.fromkeys(v[0] for v in variants))
    initials = list(dict.fromkeys(v[1] for v in variants))
    return fit_variants(fulls, full_max), fit_variants(initials, initials_max)


_TWO_SYLLABLE = {"moqi": ["mo", "qi"], "yuchi": ["yu", "chi"], "zhangsun": ["zhang", "sun"]}


def _surname_syllables(reading):
    return list(_TWO_SYLLABLE.get(reading, [reading]))
