"""The services lists' search box: a request's title, or its customer as the customer list's
search finds it (code, name, pinyin, initials).

Query shapes are chosen so PostgreSQL can answer from an index at 200,000 requests:
- the title: substring match served by a trigram index on ``UPPER(title)`` for three or more
  characters, and by the title's bigram array for two (migration 0002);
- the customer: the customer search runs first (its own indexes), and the few customers it
  finds are compared by id, which ``service_customer_idx`` serves. "Title or customer in (a
  subquery)" could not be read from any index as an OR: a customer with no request made
  PostgreSQL walk every archived request for a page of matches (1.6–1.8 s in the benchmark).
  When the customer search matches many customers, it stays a subquery: then matches are common
  and reading newest first finds a page soon.
SQLite runs the same lookups without those indexes.
"""

import unicodedata

from django.db import connection
from django.db.models import Q

from customers.models import Customer
from customers.search import customer_search_q

# Up to this many customers found by a search are compared by id; more stay a subquery.
CUSTOMER_IDS_LIMIT = 500


def search_q(text, *, narrowed=False):
    """The condition for the search box's ``text`` (an empty text matches everything). Runs the
    customer search once (one query) to read the matching customers' ids.

    The customers are not scoped: the list this narrows is already the user's scope, and an
    account manager also sees the requests assigned to them of customers they can't see.

    ``narrowed``: the list is read in parts from indexes that each give a few hundred rows (an
    account manager's, crm.access.scope_parts). Then a two-character title is tested on those rows
    (the same bigrams, as text) instead of through the bigram index, which PostgreSQL otherwise
    reads whole (19,000 entries for 发票) once for each part and intersects."""
    text = unicodedata.normalize("NFKC", text or "").strip()[:100]
    if not text:
        return Q()
    if connection.vendor == "postgresql" and len(text) == 2 and " " not in text:
        # The bigrams are two characters each, separated by spaces: containing the text is
        # having it as a bigram.
        title = Q(title_bigrams__contains=text.lower()) if narrowed else Q(title_bigrams__has_bigram=text.lower())
    else:
        title = Q(title__icontains=text)
    customers = Customer.objects.filter(customer_search_q(text)).order_by().values_list("pk", flat=True)
    ids = list(customers[: CUSTOMER_IDS_LIMIT + 1])
    if not ids:
        return title
    if len(ids) <= CUSTOMER_IDS_LIMIT:
        return title | Q(customer_id__in=ids)
    return title | Q(customer__in=customers)
