from datetime import datetime, time, timedelta

import django_filters
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm import access
from crm.audit import EVENT_LABELS
from crm.audit_display import action_choices, action_condition, model_label
from crm.display import display_name
from crm.forms import SaneDateFilter
from crm.widgets import FastSelect


def _actors(request):
    return access.visible(request.user, get_user_model()).order_by("username")


def _audited_models(request):
    return ContentType.objects.filter(
        pk__in=[ct.pk for ct in ContentType.objects.get_for_models(*auditlog.get_models()).values()]
    ).order_by("app_label", "model")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return display_name(obj)


class UserFilter(django_filters.ModelChoiceFilter):
    field_class = UserChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", FastSelect)  # hundreds of users: options drawn in Python
        super().__init__(*args, **kwargs)


class ContentTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        model = obj.model_class()
        return model_label(model) if model else obj.model


class ContentTypeFilter(django_filters.ModelChoiceFilter):
    field_class = ContentTypeChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", FastSelect)
        super().__init__(*args, **kwargs)


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def _from_day(queryset, name, value):
    return queryset.filter(timestamp__gte=_start_of(value))


def _to_day(queryset, name, value):
    return queryset.filter(timestamp__lt=_start_of(value + timedelta(days=1)))


def timestamp_day(comparison, label):
    """A date box filtering audit rows by their timestamp's local day (``comparison``: "gte",
    "lte"). The day's local bounds are compared with the timestamp itself, which its indexes
    serve (a ``__date`` lookup would convert every row's timestamp first: at millions of rows, the
    page read them all)."""
    return SaneDateFilter(
        field_name="timestamp",
        method=_from_day if comparison == "gte" else _to_day,
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class AuditLogFilter(django_filters.FilterSet):
    actor = UserFilter(queryset=_actors, label=_("User"))
    content_type = ContentTypeFilter(queryset=_audited_models, label=_("Model"))
    action = django_filters.ChoiceFilter(
        choices=action_choices, method="filter_action", label=_("Action"), widget=FastSelect
    )
    date_from = timestamp_day("gte", _("From"))
    date_to = timestamp_day("lte", _("To"))

    class Meta:
        model = LogEntry
        fields = ["actor", "content_type", "action", "date_from", "date_to"]

    def filter_action(self, queryset, name, value):
        return queryset.filter(action_condition(value))


# The events the export log lists (crm.audit.EVENT_LABELS names them).
EXPORT_LOG_EVENTS = ("export", "transfer")


def _export_log_events():
    return [(event, EVENT_LABELS[event]) for event in EXPORT_LOG_EVENTS]


class ExportLogFilter(django_filters.FilterSet):
    """The export log's filters: who, which kind of event, from and to which day."""

    actor = UserFilter(queryset=_actors, label=_("User"))
    event = django_filters.ChoiceFilter(
        choices=_export_log_events, field_name="additional_data__event", label=_("Event"), widget=FastSelect
    )
    date_from = timestamp_day("gte", _("From"))
    date_to = timestamp_day("lte", _("To"))

    class Meta:
        model = LogEntry
        fields = ["actor", "event", "date_from", "date_to"]
