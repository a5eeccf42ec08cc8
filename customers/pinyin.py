"""Pinyin search keys for Chinese names.

pypinyin reads a character the way it is most often read, which is wrong for several surnames
(曾 zeng not ceng, 单 shan not dan, 解 xie not jie). Person names take the surname reading;
company names keep pypinyin's reading first and add the surname reading as a second variant,
since 单县 (a place) and 曾记 (a family business) both occur. Variants are joined with a space,
so a substring search finds either and sorting follows the first.

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

_KEEP = re.compile(r"[a-z0-9]+")


def _syllables(text):
    """pypinyin's syllables for Chinese, lower-case alphanumeric runs for everything else."""
    result = []
    for piece in lazy_pinyin(text, errors=lambda chars: [chars]):
        lowered = unicodedata.normalize("NFKC", piece).lower()
        result.extend(_KEEP.findall(lowered))
    return result


def _keys(syllables):
    return "".join(syllables), "".join(s[0] for s in syllables if s)


def _surname_split(name):
    for length in (2, 1):
        head = name[:length]
        if len(name) > length and head in SURNAME_READINGS:
            return SURNAME_READINGS[head], name[length:]
    return None, name


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
    default_full, default_initials = _keys(_syllables(name))
    surname, rest = _surname_split(name)
    if surname is None:
        return fit_variants([default_full], full_max), fit_variants([default_initials], initials_max)
    # Two-character surnames read as two syllables for the initials (尉迟 -> yc).
    surname_full, surname_initials = _keys(_surname_syllables(surname) + _syllables(rest))
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
