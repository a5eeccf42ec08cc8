"""Form fields every app shares: one line of free text and dates within the range the product
accepts (crm.validators), plus the django-filter date filter built on them.

Model forms get them all at once through ``Meta.formfield_callback = safe_formfield``, so a field
added to the model later is covered too.
"""

import django_filters
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.db import models

from crm.validators import clean_single_line, validate_sane_date


class SingleLineMixin:
    """For a ``forms.CharField`` (or subclass) holding one line: control and bidi characters are
    refused, text of only invisible characters too, and invisible characters at the ends are
    stripped (crm.validators.clean_single_line)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return clean_single_line(value)


class SingleLineField(SingleLineMixin, forms.CharField):
    pass


class SaneDateField(forms.DateField):
    """A date between crm.validators.MIN_DATE and MAX_DATE."""

    default_validators = [validate_sane_date]


class SaneDateTimeField(forms.DateTimeField):
    """A date-time whose (local) date is between crm.validators.MIN_DATE and MAX_DATE."""

    default_validators = [validate_sane_date]


class SaneDateFilter(django_filters.DateFilter):
    """A django-filter date filter refusing dates outside the accepted range with a form error:
    9999-12-31 + 1 day or 0001-01-01 at local midnight overflow Python's dates (a 500 before)."""

    field_class = SaneDateField


def safe_formfield(db_field, **kwargs):
    """A model form's ``formfield_callback``: a plain text column becomes a ``SingleLineField``
    (multi-line ``TextField``s, e-mail and URL fields keep theirs), a date or date-time one a
    ``SaneDateField`` or ``SaneDateTimeField``; a form class chosen in ``Meta.field_classes`` wins."""
    if type(db_field) is models.CharField and not db_field.choices:
        kwargs.setdefault("form_class", SingleLineField)
    elif isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("form_class", SaneDateTimeField)
    elif isinstance(db_field, models.DateField):
        kwargs.setdefault("form_class", SaneDateField)
    return db_field.formfield(**kwargs)


class LoginForm(AuthenticationForm):
    """Django's login form with the username's length checked before anyone looks it up: Django
    sets its max_length after the field is built, so no validator is attached, and a 10,000-
    character name reached django-axes' 255-character column (a 500 on PostgreSQL)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = self.fields["username"].max_length or 150
        self.fields["username"].validators.append(MaxLengthValidator(limit))
