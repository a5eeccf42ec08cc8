"""Rules on input that every app shares: the range of dates the product accepts and what one line
of free text (a name, an address, a summary) may hold."""

import datetime
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext_lazy

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


# Text: what a one-line field (a name, an address, a summary) may hold.
#
# Bidi embeddings, overrides and isolates make text display in another order than it is stored
# (a name shown as "...有限公司" can hold something else) and leak their direction into the text
# around them in lists and exports; nobody types them into a Chinese business record on purpose.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Characters that show nothing although Unicode files them as letters or marks: Hangul fillers,
# the braille blank, the combining grapheme joiner, Khmer inherent vowels and variation selectors.
_BLANK_LOOKALIKES = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180e\u2800\u3164\uffa0"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)
# Controls (Cc), format characters (Cf: zero-width space and joiners, soft hyphen, BOM, direction
# marks, tag characters), separators and spaces of every width (Zs, Zl, Zp).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def is_invisible(char):
    """True for a character that shows nothing on its own (a space, a zero-width or control one)."""
    return char in _BLANK_LOOKALIKES or unicodedata.category(char) in _INVISIBLE_CATEGORIES


def strip_invisible(text):
    """``text`` without the invisible characters at its ends (inside it they are kept: joiners
    belong inside some scripts' words)."""
    start, end = 0, len(text)
    while start < end and is_invisible(text[start]):
        start += 1
    while end > start and is_invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def validate_single_line(value):
    """Refuse control characters (C0 and C1, tab and line breaks included) and bidi controls
    anywhere in one line of text; the message names the first one found."""
    for char in value:
        if char in BIDI_CONTROLS or unicodedata.category(char) == "Cc":
            raise ValidationError(
                _("Remove the invisible control character %(char)s from this text."),
                code="control_character",
                params={"char": f"U+{ord(char):04X}"},
            )


def validate_visible(value):
    """Refuse text made only of invisible characters (an empty text is left to ``required``)."""
    if value and not strip_invisible(value):
        raise ValidationError(
            _("Enter some visible characters: this text is made only of invisible characters."),
            code="invisible",
        )


def clean_single_line(value):
    """One line of text as it is stored: checked by ``validate_single_line`` and
    ``validate_visible``, then stripped of invisible characters at its ends."""
    validate_single_line(value)
    validate_visible(value)
    return strip_invisible(value)


# Django's own messages for the limits every form checks (length, range, digits, required) read
# like a programmer's note in Django's Chinese catalogue ("确保该变量包含不超过 100 字符"). Naming
# their msgids here puts them into the project's catalogue (makemessages finds them in our code),
# whose wording wins over Django's: LOCALE_PATHS are merged after the apps' catalogues. The
# English stays Django's. The msgids must stay exactly Django's (crm/tests/test_validation_wording.py).
DJANGO_MESSAGES = (
    gettext_noop("This field is required."),
    gettext_noop("This field cannot be blank."),
    gettext_noop("This field cannot be null."),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    gettext_noop("Ensure this value is %(limit_value)s (it is %(show_value)s)."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is a multiple of step size %(limit_value)s."),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit in total.",
        "Ensure that there are no more than %(max)s digits in total.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s decimal place.",
        "Ensure that there are no more than %(max)s decimal places.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit before the decimal point.",
        "Ensure that there are no more than %(max)s digits before the decimal point.",
        "max",
    ),
    gettext_noop("Enter a number."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a valid integer."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Enter a valid URL."),
    gettext_noop("Null characters are not allowed."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    gettext_noop("%(model_name)s with this %(field_label)s already exists."),
    gettext_noop("%(model_name)s with this %(field_labels)s already exists."),
)
