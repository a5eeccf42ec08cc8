"""Text written to files that people open in a spreadsheet (exports, lists of rejected rows).

A spreadsheet reads a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula, and some read
one starting with a tab or a carriage return likewise: a customer address ``=HYPERLINK(...)``
would become a live link in the exported file. ``neutralise`` makes such a text plain text.
"""

from dataclasses import dataclass

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class RowError:
    """A rejected row of an imported file: its number and the column as the user sees them in the
    file, the value found there and the reason, in the user's language."""

    row: int
    column: str
    value: str
    reason: str


def neutralise(value):
    """``value`` with a single quote put before a text that starts like a formula; anything else
    (numbers, dates, None, other texts) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
