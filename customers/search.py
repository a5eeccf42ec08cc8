"""The customer search box: one ``q`` matching code, name, pinyin and initials.

Query shapes are chosen so PostgreSQL can answer from an index at a million rows:
- code: prefix match on the unique code (``varchar_pattern_ops`` index);
- name: substring match served by a pg_trgm GIN index for three or more characters; a
  two-character Chinese fragment has no trigram, so it is matched against the name's character
  bigrams, a GIN-indexed array (``string_to_array(name_bigrams, ' ')``);
- pinyin and initials: substring match served by pg_trgm, or a prefix match for one or two
  letters.
SQLite runs the same lookups without those indexes.
"""

import re
import unicodedata

from django.db import connection, models
from django.db.models import Q

_CJK = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]+$")
_LATIN_KEY = re.compile(r"^[a-z0-9]+$")
_CODE = re.compile(r"^KH\d{0,12}$")


def name_bigrams(name):
    """' 北京 京鑫 鑫达 ' for 北京鑫达: each pair of adjacent characters, space-delimited."""
    text = unicodedata.normalize("NFKC", name or "").lower()
    pairs = dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1) if " " not in text[i : i + 2])
    return " ".join(pairs)


class BigramContains(models.Lookup):
    """``name_bigrams__has_bigram="鑫达"``: the stored bigram list contains this bigram."""

    lookup_name = "has_bigram"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"string_to_array({lhs}, ' ') @> ARRAY[{rhs}]::text[]", [*lhs_params, *rhs_params]
        return f"(' ' || {lhs} || ' ') LIKE ('%% ' || {rhs} || ' %%')", [*lhs_params, *rhs_params]


class BigramsField(models.TextField):
    """Space-delimited character bigrams of a name, searchable with ``__has_bigram``."""


BigramsField.register_lookup(BigramContains)


def customer_search_q(text):
    """The condition for the search box; an empty query matches everything."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return Q()
    text = text[:100]
    upper = text.upper()
    condition = Q(code__startswith=upper) if _CODE.match(upper) else Q()
    if len(text) == 2 and _CJK.match(text) and connection.vendor == "postgresql":
        condition |= Q(name_bigrams__has_bigram=text)
    else:
        condition |= Q(name__contains=text)
    key = re.sub(r"\s+", "", text).lower()
    if _LATIN_KEY.match(key):
        if len(key) >= 3:
            condition |= Q(name_pinyin__contains=key) | Q(name_initials__contains=key)
        else:
            condition |= Q(name_initials__startswith=key)
    return condition
