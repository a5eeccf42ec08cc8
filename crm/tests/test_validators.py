"""The shared input rules (crm.validators) and the form fields built on them (crm.forms)."""

import datetime
import unicodedata

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from crm import validators
from crm.forms import SaneDateField, SaneDateFilter, SaneDateTimeField, SingleLineField, safe_formfield
from customers.models import Activity, Contact, Customer

DATE_RANGE = "Enter a date between 1900-01-01 and 2100-12-31."
INVISIBLE_ONLY = "Enter some visible characters: this text is made only of invisible characters."


def messages(error):
    with translation.override("en"):
        return [str(message) for message in error.value.messages]


# Dates


@pytest.mark.parametrize(
    "value",
    [
        datetime.date(1900, 1, 1),
        datetime.date(2100, 12, 31),
        datetime.date(2026, 2, 28),
        datetime.datetime(1900, 1, 1, 0, 0),
        datetime.datetime(2100, 12, 31, 23, 59, 59),
        None,
    ],
)
def test_dates_within_1900_and_2100_are_accepted(value):
    validators.validate_sane_date(value)


@pytest.mark.parametrize(
    "value",
    [
        datetime.date(1, 1, 1),
        datetime.date(9999, 12, 31),
        datetime.date(1899, 12, 31),
        datetime.date(2101, 1, 1),
        datetime.datetime(1899, 12, 31, 23, 59),
        datetime.datetime(2101, 1, 1, 0, 0),
    ],
)
def test_dates_outside_1900_and_2100_are_refused(value):
    with pytest.raises(ValidationError) as error:
        validators.validate_sane_date(value)
    assert error.value.code == "date_out_of_range"
    assert messages(error) == [DATE_RANGE]


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"])
def test_sane_date_field_refuses_typing_mistakes(text):
    with pytest.raises(ValidationError) as error:
        SaneDateField().clean(text)
    assert messages(error) == [DATE_RANGE]


def test_sane_date_field_reads_dates_in_range():
    assert SaneDateField().clean("1900-01-01") == datetime.date(1900, 1, 1)
    assert SaneDateField().clean("2100-12-31") == datetime.date(2100, 12, 31)
    assert SaneDateField(required=False).clean("") is None


@pytest.mark.parametrize("text", ["0001-01-01T00:00", "9999-12-31T23:59", "1899-12-31T23:59", "2101-01-01T00:00"])
def test_sane_date_time_field_refuses_typing_mistakes(text):
    with pytest.raises(ValidationError) as error:
        SaneDateTimeField().clean(text)
    assert messages(error) == [DATE_RANGE]


def test_sane_date_time_field_judges_the_local_date():
    # 1900-01-01 00:30 in Shanghai is still 1899 in UTC: the user typed a date in range.
    value = SaneDateTimeField().clean("1900-01-01T00:30")
    assert timezone.localtime(value).date() == datetime.date(1900, 1, 1)


def test_sane_date_filter_uses_the_sane_field():
    field = SaneDateFilter(field_name="created_at").field
    assert isinstance(field, SaneDateField)
    with pytest.raises(ValidationError):
        field.clean("9999-12-31")


# One line of text


@pytest.mark.parametrize(
    "char",
    [
        "\u200b",
        "\u200c",
        "\u200d",
        "\u200e",
        "\u200f",
        "\u2060",
        "\u2061",
        "\u2062",
        "\u2063",
        "\u2064",
        "\ufeff",
        "\u00ad",
        "\u3000",
        "\u00a0",
        "\u3164",
        "\u115f",
        "\u2800",
        "\u034f",
        "\ufe0f",
        "\U000e0041",
        "\t",
    ],
)
def test_invisible_characters_are_recognised(char):
    assert validators.is_invisible(char)


@pytest.mark.parametrize("char", ["北", "a", "1", "·", "-", "é", "\u0301", "😀", "（"])
def test_visible_characters_are_not_taken_for_invisible(char):
    assert not validators.is_invisible(char)


def test_every_format_character_counts_as_invisible():
    formats = [chr(code) for code in range(0x110000) if unicodedata.category(chr(code)) == "Cf"]
    assert len(formats) > 100
    assert all(validators.is_invisible(char) for char in formats)


def test_strip_invisible_cleans_only_the_ends():
    assert validators.strip_invisible("\ufeff\u200b 北京\u200d鑫达 \u00ad\u3000") == "北京\u200d鑫达"
    assert validators.strip_invisible("\u200b\u200b") == ""
    assert validators.strip_invisible("") == ""


@pytest.mark.parametrize("char", sorted(validators.BIDI_CONTROLS))
def test_bidi_controls_are_refused_anywhere_in_a_line(char):
    for text in (f"{char}北京鑫达", f"北京{char}鑫达", f"北京鑫达{char}"):
        with pytest.raises(ValidationError) as error:
            validators.clean_single_line(text)
        assert error.value.code == "control_character"
        assert messages(error) == [f"Remove the invisible control character U+{ord(char):04X} from this text."]


def test_bidi_controls_are_exactly_the_embeddings_overrides_and_isolates():
    assert {chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]} == validators.BIDI_CONTROLS


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\n", "\r", "\t", "\x7f", "\x85", "\x9b"])
def test_control_characters_are_refused_inside_a_line(char):
    with pytest.raises(ValidationError) as error:
        validators.clean_single_line(f"北京{char}鑫达")
    assert messages(error) == [f"Remove the invisible control character U+{ord(char):04X} from this text."]


@pytest.mark.parametrize("text", ["\u200b", "\ufeff\u00ad", "\u2060\u2064", "\u3164\u3000", "\u2800\u034f"])
def test_text_of_only_invisible_characters_is_refused(text):
    with pytest.raises(ValidationError) as error:
        validators.clean_single_line(text)
    assert error.value.code == "invisible"
    assert messages(error) == [INVISIBLE_ONLY]


def test_ordinary_text_passes_unchanged():
    for text in ("北京鑫达科技有限公司", "3M China Ltd.", "O'Brien & Partners (HK)", "مرحبا", "שלום", "Café Zürich"):
        assert validators.clean_single_line(text) == text


def test_single_line_field_strips_and_refuses():
    field = SingleLineField(max_length=10)
    assert field.clean("\u200b 王伟 \ufeff") == "王伟"
    with pytest.raises(ValidationError) as error:
        field.clean("\u200b\u200c")
    assert messages(error) == [INVISIBLE_ONLY]
    with pytest.raises(ValidationError):
        field.clean("王\u202e伟")
    with pytest.raises(ValidationError) as error:
        field.clean("   ")
    assert error.value.code == "required"
    assert SingleLineField(required=False).clean("") == ""
    assert SingleLineField(required=False, empty_value=None).clean("  ") is None


def test_single_line_field_keeps_its_length_limit():
    with pytest.raises(ValidationError) as error:
        SingleLineField(max_length=3).clean("北京鑫达")
    assert [e.code for e in error.value.error_list] == ["max_length"]


# The model form callback


def form_fields(model, fields):
    return forms.modelform_factory(model, fields=fields, formfield_callback=safe_formfield)().fields


def test_safe_formfield_gives_every_one_line_text_field_the_rule():
    fields = form_fields(Customer, ["name", "address", "legal_rep", "uscc", "level", "phone"])
    for name in ("name", "address", "legal_rep", "uscc"):
        assert isinstance(fields[name], SingleLineField), name
    assert fields["name"].max_length == 100
    assert fields["uscc"].empty_value is None
    assert not isinstance(fields["level"], SingleLineField)
    # The model's own rules still apply (the phone validator).
    form = forms.modelform_factory(Customer, fields=["phone"], formfield_callback=safe_formfield)({"phone": "123"})
    assert form.has_error("phone", code="invalid_phone")


def test_safe_formfield_leaves_multi_line_and_email_fields_alone():
    fields = form_fields(Contact, ["name", "email", "memo", "gender"])
    assert isinstance(fields["name"], SingleLineField)
    assert type(fields["email"]) is forms.EmailField
    assert type(fields["memo"]) is forms.CharField
    assert isinstance(fields["memo"].widget, forms.Textarea)
    assert isinstance(fields["gender"], forms.TypedChoiceField)


def test_safe_formfield_gives_dates_the_range():
    fields = form_fields(Activity, ["occurred_at", "next_follow_up"])
    assert isinstance(fields["occurred_at"], SaneDateTimeField)
    assert isinstance(fields["next_follow_up"], SaneDateField)


def test_field_classes_chosen_by_the_form_win():
    form = forms.modelform_factory(
        Contact, fields=["name"], formfield_callback=safe_formfield, field_classes={"name": forms.SlugField}
    )
    assert type(form().fields["name"]) is forms.SlugField
