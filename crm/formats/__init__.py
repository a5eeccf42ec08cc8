"""How the product writes dates and numbers, said once, the same in every language.

Django reads the date and number formats from the per-language modules beside this one
(settings.FORMAT_MODULE_PATH); both import the one set of values below, so 简体中文 and English
pages show 2026-11-23, 2026-11-23 14:30 and 815,585.95 alike. Templates reach money() and
quantity() through the ``numbers`` template library; tables call them directly.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial

from django.utils import formats
from django.utils.translation import pgettext

# Dates and date-times: ISO order, which Chinese offices read as naturally as English ones and
# which sorts as text. Inputs accept the ISO forms first, then the usual Chinese ones.
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "Y-m"
MONTH_DAY_FORMAT = "m-d"
FIRST_DAY_OF_WEEK = 1  # Monday
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
]

# Numbers: groups of three digits with a comma in both languages (Django's Chinese locale groups
# nothing), a point before the decimals.
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3

FORMAT_NAMES = (
    "DATE_FORMAT",
    "SHORT_DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "TIME_FORMAT",
    "YEAR_MONTH_FORMAT",
    "MONTH_DAY_FORMAT",
    "FIRST_DAY_OF_WEEK",
    "DATE_INPUT_FORMATS",
    "TIME_INPUT_FORMATS",
    "DATETIME_INPUT_FORMATS",
    "DECIMAL_SEPARATOR",
    "THOUSAND_SEPARATOR",
    "NUMBER_GROUPING",
)

EMPTY = "—"


def _decimal(value):
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _grouped(number, places):
    # Rounded half up first: Django's number_format cuts the extra digits off instead.
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return formats.number_format(rounded, decimal_pos=places, force_grouping=True)


def money(value):
    """An amount of money: two decimals, digits grouped by three ("815,585.95"); "—" for none."""
    number = _decimal(value)
    if number is None or not number.is_finite():
        return EMPTY
    return _grouped(number, 2)


def quantity(value):
    """A quantity of goods: whole units without decimals ("1,204"); a fractional one (the sales
    system allows two decimals) with both ("150.50"); "—" for none."""
    number = _decimal(value)
    if number is None or not number.is_finite():
        return EMPTY
    number = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return _grouped(number, 0 if number == number.to_integral_value() else 2)


def day(value, format_name="DATE_FORMAT"):
    """``formats.date_format(value, format_name)`` for a date (see day_writer)."""
    return day_writer(format_name)(value)


def day_writer(format_name="DATE_FORMAT"):
    """A function writing a date as ``formats.date_format(value, format_name)`` does in the
    active language, for a list's rows: the format is looked up once, and the product's ISO day
    (DATE_FORMAT and SHORT_DATE_FORMAT above, "Y-m-d") is written directly, as Django's "Y-m-d"
    writes it (four-digit year, two-digit month and day). Django's date formatter parses its
    format for every value; with the format's lookup that was a tenth of a customer list's CPU.
    Any other format (another FORMAT_MODULE_PATH) goes through Django."""
    if formats.get_format(format_name) == "Y-m-d":
        return _iso_day
    return partial(_django_day, format_name=format_name)


def _iso_day(value):
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _django_day(value, format_name):
    return formats.date_format(value, format_name)


def text_list(items):
    """Items joined as a list in the user's language: "名称、电话" / "name, phone"."""
    return pgettext("list separator", ", ").join(str(item) for item in items)


def labelled(label, value):
    """A label and its value in the user's language: "名称：A" / "name: A"."""
    return pgettext("label and value", "%(label)s: %(value)s") % {"label": label, "value": value}
