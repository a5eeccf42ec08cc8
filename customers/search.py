"""The customer search box: one ``q`` matching code, name, pinyin and initials.

Query shapes are chosen so PostgreSQL can answer from an index at a million rows:
- code: prefix match on the unique code (``varchar_pattern_ops`` index);
- name: substring match served by a pg_trgm GIN index for three or more characters; fewer
  characters have no trigram, so two are matched against the name's character bigrams
  (``string_to_array(name_bigrams, ' ')``) and one against its characters
  (``string_to_array(name, NULL)``), both GIN-indexed arrays;
- pinyin and initials: substring match served by pg_trgm, or a prefix match for one or two
  letters, anchored to a range of the pinyin index;
- searches the planner expects to be selective run "search first" (see ``_search_first``).
SQLite runs the same lookups without those indexes; there a search reads the ids of its matches
first when they are few (see ``_matching_ids``).
"""

import json
import re
import unicodedata

from django.db import connection
from django.db.models import F, Q

from customers.fields import BigramsField, NameHasCharacter  # noqa: F401  (0001 names customers.search.BigramsField)

_LATIN_KEY = re.compile(r"^[a-z0-9]+$")
_CODE = re.compile(r"^KH\d{0,12}$")


def name_bigrams(name):
    """' 北京 京鑫 鑫达 ' for 北京鑫达: each pair of adjacent characters, space-delimited.

    At most as many pairs as a name has characters (its column's max_length): NFKC spells some
    compatibility characters out (㍿ is 株式会社, ﷺ eighteen letters), which would otherwise let a
    full-length name grow its key (and GIN index entries) many times over.
    """
    from django.apps import apps

    limit = apps.get_model("customers", "Customer")._meta.get_field("name").max_length
    text = unicodedata.normalize("NFKC", name or "").lower()
    pairs = dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1) if " " not in text[i : i + 2])
    return " ".join(list(pairs)[:limit])


def customer_search_q(text):
    """The search box's condition for ``text`` as the database should run it (see plan_search);
    an empty query matches everything."""
    return plan_search(*search_condition(text))


def search_condition(text):
    """(condition, anchor) for the search box's ``text``, without touching the database: the
    condition the rows must match, and a redundant pinyin range that helps an index walk
    (``Q()`` if none).

    One or two letters (``bj``, ``sh``, ``3m``) match the start of the initials or of the pinyin;
    they are anchored to the pinyin's first letter, so sorting by pinyin starts where the matches
    are instead of walking the whole list. Longer letter strings match the pinyin and initials
    anywhere, and any other text matches the name as a substring.
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return Q(), Q()
    text = text[:100]
    upper = text.upper()
    key = re.sub(r"\s+", "", text).lower()
    latin = bool(_LATIN_KEY.match(key))
    postgres = connection.vendor == "postgresql"  # which lookups the database's indexes serve
    code = Q(code__startswith=upper) if _CODE.match(upper) else None
    anchor = Q()
    if latin and len(key) <= 2:
        condition = Q(name_initials__startswith=key) | Q(name_pinyin__startswith=key)
        if code is None:
            # Redundant (both keys start with the same letter), but an index range the planner uses.
            anchor = Q(name_pinyin__gte=key[0], name_pinyin__lt=chr(ord(key[0]) + 1))
    else:
        if postgres and len(text) == 1:
            condition = Q(NameHasCharacter(F("name"), text))
        elif postgres and len(text) == 2:
            condition = Q(name_bigrams__has_bigram=text.lower())
        else:
            condition = Q(name__contains=text)
        if latin:
            condition |= Q(name_pinyin__contains=key) | Q(name_initials__contains=key)
    if code is not None:
        condition = code | condition
    return condition, anchor


def plan_search(condition, anchor=None):
    """``condition`` in the shape the database runs best: on PostgreSQL, a search the planner
    expects to be selective (one EXPLAIN, no rows read) runs "search first"; on SQLite, a search
    with few matches becomes their ids (one query); otherwise the anchor is added for an index
    walk."""
    if condition and connection.vendor == "postgresql" and _expected_rows(condition) <= SEARCH_FIRST_ROWS:
        return _search_first(condition)
    if condition and connection.vendor == "sqlite":
        ids = _matching_ids(condition)
        if ids is not None:
            return Q(pk__in=ids)
    return (anchor or Q()) & condition


# SQLite: a search matching at most this many customers (alive or not) is read as their ids.
SQLITE_IDS_LIMIT = 5_000


def _matching_ids(condition):
    """The ids of the customers matching ``condition`` if there are at most SQLITE_IDS_LIMIT, else
    None.

    SQLite has no estimate to ask. Sorted by pinyin with LIMIT, it walks the pinyin index and
    fetches each row to test it: a rare name (貔貅) made it fetch all 100,000 rows one by one
    (175 ms). Reading the matches in table order stops at once when they are common and costs one
    pass over the table (about 30 ms at 100,000) when they are rare; few ids then sort in no time.
    """
    from django.apps import apps

    matches = apps.get_model("customers", "Customer").all_objects.filter(condition).order_by()
    ids = list(matches.values_list("pk", flat=True)[: SQLITE_IDS_LIMIT + 1])
    return ids if len(ids) <= SQLITE_IDS_LIMIT else None


# PostgreSQL: a search expected to match at most this many customers is run "search first".
SEARCH_FIRST_ROWS = 20_000


def _expected_rows(condition):
    """The planner's estimate of how many alive customers match ``condition`` (no rows are read)."""
    from django.apps import apps

    customers = apps.get_model("customers", "Customer").objects.filter(condition).order_by().values("pk")
    plan = json.loads(customers.explain(format="json"))
    return (plan[0] if isinstance(plan, list) else plan)["Plan"]["Plan Rows"]


def _search_first(condition):
    """``condition`` stated twice, so the planner finds its rows through the search indexes first.

    A list sorted by pinyin with LIMIT tempts PostgreSQL to walk the pinyin index and test every
    row until a page is full. That is fast when matches are common and spread out, but when they
    are few, or bunched far down the alphabet (zz…, …xinda…, 郑州), it reads most of the table
    (seen: 0.3 to 5 s at a million customers). The planner multiplies the selectivities of the two
    copies, so it expects too few matches to fill a page by walking: it collects them through the
    search indexes and sorts them (tens of ms for 20,000 matches). Repeating a test costs
    microseconds a row. The pinyin range of a one- or two-letter search is left out here: it only
    helps the walk, and multiplied in as well it would shrink the estimate so far that the planner
    pairs the matches with the joined tables by nested loops over whole tables. Q(condition) wraps
    the copy, so Django keeps both.
    """
    return condition & Q(condition)
