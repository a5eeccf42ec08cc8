"""The opportunities list's search keys, derived from an opportunity's own fields by the actions."""

from customers.search import name_bigrams

# Derived by opportunities.actions from the editable fields, saved with them.
DERIVED_FIELDS = ("customer_name_pinyin", "customer_name_initials", "search_bigrams")
# The fields the search box matches as substrings (opportunities.selectors.search_q).
SEARCHED_TEXT = ("title", "customer_name", "contact_name")


def search_bigrams(opportunity):
    """The distinct character bigrams of the searched fields, space-delimited, as the customers'
    (customers.search.name_bigrams: NFKC, lower case, none spanning a space)."""
    pairs = {}
    for field in SEARCHED_TEXT:
        pairs.update(dict.fromkeys(name_bigrams(getattr(opportunity, field) or "").split()))
    return " ".join(pairs)
