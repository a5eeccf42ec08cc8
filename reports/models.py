"""The management report (客户管理报告): a supervisor's report on a month or a quarter.

A draft shows the analyses live and its summary can be edited; submitting freezes it: the four
analyses for the period are stored with it (``figures``), so later changes to orders, services or
losses don't alter it, and nothing about it changes again (reports.actions refuses, the admin is
read-only). Every write goes through reports.actions.
"""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ManagementReport(models.Model):
    class PeriodKind(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    SUMMARY_MAX_LENGTH = 5000

    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    # the month (1–12) or the quarter (1–4) of ``year``
    period_number = models.PositiveSmallIntegerField(_("month or quarter"))
    period_start = models.DateField(_("from"), editable=False)
    period_end = models.DateField(_("to"), editable=False)
    summary = models.TextField(_("summary"), max_length=SUMMARY_MAX_LENGTH, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    # The four analyses for the period as they were at submission (None while a draft).
    figures = models.JSONField(_("figures"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("management report")
        verbose_name_plural = _("management reports")
        ordering = ["-period_start", "-id"]
        permissions = [
            ("view_analyses", _("Can view the analyses (within their scope)")),
            ("export_analyses", _("Can export the aggregate analyses")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "year", "period_number"],
                condition=models.Q(status="submitted"),
                name="report_one_submitted_per_period",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(period_kind="month", period_number__gte=1, period_number__lte=12)
                    | models.Q(period_kind="quarter", period_number__gte=1, period_number__lte=4)
                ),
                name="report_period_number_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(figures__isnull=False, submitted_at__isnull=False),
                name="report_submitted_has_figures",
            ),
        ]
        indexes = [models.Index(fields=["status", "-period_start", "-id"], name="report_status_idx")]

    def __str__(self):
        return str(self.period_label)

    def get_absolute_url(self):
        return reverse("reports:management_detail", kwargs={"pk": self.pk})

    @property
    def is_submitted(self):
        return self.status == self.Status.SUBMITTED

    @property
    def period_label(self):
        return period_label(self.period_kind, self.year, self.period_number)


def period_bounds(kind, year, number):
    """(first day, last day) of month ``number`` or quarter ``number`` of ``year``."""
    first_month = number if kind == ManagementReport.PeriodKind.MONTH else 3 * number - 2
    months = 1 if kind == ManagementReport.PeriodKind.MONTH else 3
    start = datetime.date(year, first_month, 1)
    after = datetime.date(year + (first_month + months - 1) // 12, (first_month + months - 1) % 12 + 1, 1)
    return start, after - datetime.timedelta(days=1)


def period_label(kind, year, number):
    """ "2026年10月" / "2026 Q3" style label, in the user's language."""
    if kind == ManagementReport.PeriodKind.MONTH:
        return _("%(year)d-%(month)02d") % {"year": year, "month": number}
    return _("%(year)d Q%(quarter)d") % {"year": year, "quarter": number}
