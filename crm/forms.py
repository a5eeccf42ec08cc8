"""Form fields every app shares: one line of free text and dates within the range the product
accepts (crm.validators), plus the django-filter date filter built on them.

Model forms get them all at once through ``Meta.formfield_callback = safe_formfield``, so a field
added to the model later is covered too. ``prepare_filter_form`` holds the rules every list's
filter form follows.
"""

import django_filters
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

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


# Free text at least this long says its limit: the browser's ``maxlength`` stops typing and cuts
# pasted text there without a word. Shorter fields hold codes and numbers checked by their format.
SHOW_LIMIT_FROM = 50


def _limit_text(limit):
    return ngettext("At most %(limit)d character.", "At most %(limit)d characters.", limit) % {"limit": limit}


limit_text = lazy(_limit_text, str)


def show_limit(field):
    """Tell the user ``field``'s length limit: in its help text, and to static/js/app.js, which
    counts the characters typed under the box (``data-counter``)."""
    if not isinstance(field, forms.CharField) or not field.max_length or field.max_length < SHOW_LIMIT_FROM:
        return field
    text = limit_text(field.max_length)
    field.help_text = format_lazy("{} {}", field.help_text, text) if field.help_text else text
    field.widget.attrs["data-counter"] = ""
    return field


def safe_formfield(db_field, **kwargs):
    """A model form's ``formfield_callback``: a plain text column becomes a ``SingleLineField``
    (multi-line ``TextField``s, e-mail and URL fields keep theirs), a date or date-time one a
    ``SaneDateField`` or ``SaneDateTimeField``; a form class chosen in ``Meta.field_classes`` wins.
    Free text of 50 characters or more shows its limit (``show_limit``)."""
    if type(db_field) is models.CharField and not db_field.choices:
        kwargs.setdefault("form_class", SingleLineField)
    elif isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("form_class", SaneDateTimeField)
    elif isinstance(db_field, models.DateField):
        kwargs.setdefault("form_class", SaneDateField)
    field = db_field.formfield(**kwargs)
    if isinstance(db_field, (models.EmailField, models.URLField)):
        return field
    return show_limit(field)


class LoginForm(AuthenticationForm):
    """Django's login form with the username's length checked before anyone looks it up: Django
    sets its max_length after the field is built, so no validator is attached, and a 10,000-
    character name reached django-axes' 255-character column (a 500 on PostgreSQL)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = self.fields["username"].max_length or 150
        self.fields["username"].validators.append(MaxLengthValidator(limit))


# What an empty choice of a list filter reads (django-filter's own is "---------").
ALL = _("All")


def prepare_filter_form(filterset):
    """The rules every list's filter form follows, applied by crm.mixins.ListPageMixin (and the
    customer export, which filters as the list does):

    - an empty choice reads "All", not "---------";
    - a date range ``<name>_from`` after its ``<name>_to`` is an error on both, so neither is
      applied (it matched nothing, silently, before);
    - a date field in error is drawn as a text box, so what the user typed stays visible (a
      browser's date box shows an invalid date as empty).

    Filters in error are left out of the list (FilterView's ``strict = False``) while the others
    apply; templates/includes/filter_form.html says so.
    """
    form = filterset.form
    for field in form.fields.values():
        if getattr(field, "empty_label", None) is not None:
            field.empty_label = ALL
            # The widget may hold a copy of the choices bound to the class's field (a deep-copy
            # of django-filter's ChoiceIterator): give it the choices of this form's field.
            field.widget.choices = field.choices
    if not filterset.is_bound:
        return
    filterset.is_valid()
    _check_date_ranges(filterset)
    for name in form.errors:
        widget = form.fields[name].widget if name in form.fields else None
        if isinstance(widget, forms.DateInput) and widget.input_type == "date":
            widget.input_type = "text"


def _check_date_ranges(filterset):
    form = filterset.form
    for start, start_filter in filterset.filters.items():
        end = start.removesuffix("_from") + "_to"
        end_filter = filterset.filters.get(end)
        if not start.endswith("_from") or not isinstance(end_filter, django_filters.DateFilter):
            continue
        first, last = form.cleaned_data.get(start), form.cleaned_data.get(end)
        if first is None or last is None or first <= last:
            continue
        form.add_error(
            start,
            _("This date is after “%(other)s” (%(date)s): swap the two dates.")
            % {"other": end_filter.label, "date": last.isoformat()},
        )
        form.add_error(
            end,
            _("This date is before “%(other)s” (%(date)s): swap the two dates.")
            % {"other": start_filter.label, "date": first.isoformat()},
        )
