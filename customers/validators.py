"""Validation of Chinese business identifiers and contact numbers."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}(?:\d{1,6})?$")
_SERVICE_NUMBER = re.compile(r"^[48]00\d{7}$")
_POSTCODE = re.compile(r"^\d{6}$")


def normalise_phone(value):
    """Strip spaces, hyphens, brackets and full-width forms: '010-8888 6666' -> '01088886666'."""
    text = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\s\-()]", "", text)


def validate_phone(value):
    """A mainland mobile (13812345678), landline with area code (010-88886666, ext. allowed)
    or 400/800 service number."""
    digits = normalise_phone(value)
    if not (_MOBILE.match(digits) or _LANDLINE.match(digits) or _SERVICE_NUMBER.match(digits)):
        raise ValidationError(
            _(
                "Enter a mainland phone number: a mobile like 13812345678 or a landline with area "
                "code like 010-88886666."
            ),
            code="invalid_phone",
        )


def validate_postcode(value):
    if not _POSTCODE.match(unicodedata.normalize("NFKC", value or "")):
        raise ValidationError(_("A postcode has six digits, like 100080."), code="invalid_postcode")


def uscc_problem(value):
    """Check a 统一社会信用代码.

    Returns None if it is valid and a warning text if only the check digit is wrong (some real
    pre-2016 codes fail it); raises ValidationError if it is malformed.
    """
    try:
        stdnum_uscc.validate(value)
    except InvalidChecksum:
        return _(
            "The check digit of this unified social credit code does not match. Please "
            "verify it against the business licence."
        )
    except StdnumError:
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters: digits and capital letters "
                "(no I, O, S, V, Z), like 91110000600037341L."
            ),
            code="invalid_uscc",
        ) from None
    return None


def normalise_uscc(value):
    return unicodedata.normalize("NFKC", value or "").replace(" ", "").upper()


_LEGAL_FORMS = re.compile(r"有限责任公司|股份有限公司|有限公司|股份|公司")


def normalise_name(value):
    """The name used to spot duplicates: no legal-form words, spaces, punctuation or width."""
    text = unicodedata.normalize("NFKC", value or "").lower()
    text = _LEGAL_FORMS.sub("", text)
    return re.sub(r"[\W_]+", "", text)
