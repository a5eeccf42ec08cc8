"""Rules on input that every app shares: the range of dates the product accepts."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Dates outside this range are typing mistakes (0001-01-01, 9999-12-31) that databases and date
# arithmetic handle badly (a 9999 order date would hide a customer from loss detection).
MIN_DATE = datetime.date(1900, 1, 1)
MAX_DATE = datetime.date(2100, 12, 31)


def validate_sane_date(value):
    """Refuse a date (or date-time) outside MIN_DATE..MAX_DATE."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if day is not None and not (MIN_DATE <= day <= MAX_DATE):
        raise ValidationError(
            _("Enter a date between %(start)s and %(end)s."),
            code="date_out_of_range",
            params={"start": MIN_DATE.isoformat(), "end": MAX_DATE.isoformat()},
        )
