from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models import DictionaryEntry
from customers.fields import BigramsField
from customers.validators import validate_phone


class Status(models.TextChoices):
    UNASSIGNED = "unassigned", _("Unassigned")
    DEVELOPING = "developing", _("In development")
    SUCCEEDED = "succeeded", _("Developed successfully")
    FAILED = "failed", _("Development terminated")


# Which status may follow which (SPEC §4). Re-assignment keeps an opportunity in development;
# both closing states are terminal: the opportunity and its plan are read-only from then on.
TRANSITIONS = {
    Status.UNASSIGNED: frozenset({Status.DEVELOPING}),
    Status.DEVELOPING: frozenset({Status.DEVELOPING, Status.SUCCEEDED, Status.FAILED}),
    Status.SUCCEEDED: frozenset(),
    Status.FAILED: frozenset(),
}
TERMINAL = frozenset({Status.SUCCEEDED, Status.FAILED})


# Text fields carry their limit as a validator too: a TextField's max_length binds only forms, and
# the actions validate every value (model.full_clean), whoever calls them.


class Opportunity(models.Model):
    """A sales opportunity (销售机会): a lead, not a customer yet, until it is developed successfully.

    Every write goes through opportunities.actions; account managers reach the opportunities they
    created or that are assigned to them (crm.access: owner fields), so re-assigning one moves its
    access with the ``assigned_to`` field itself.
    """

    Status = Status

    # What the create and edit forms ask for, in this order (one list: forms and pages follow it).
    EDITABLE_FIELDS = (
        "title",
        "customer_name",
        "source",
        "success_rate",
        "contact_name",
        "contact_phone",
        "description",
    )

    title = models.CharField(_("summary"), max_length=100)
    customer_name = models.CharField(_("customer name"), max_length=100)
    source = models.ForeignKey(
        DictionaryEntry,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"category": DictionaryEntry.Category.OPPORTUNITY_SOURCE},
    )
    success_rate = models.PositiveSmallIntegerField(
        _("success rate (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    # A person's name (姓名), as for a customer's contacts.
    contact_name = models.CharField(_("contact"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True, validators=[validate_phone])
    description = models.TextField(_("description"), max_length=2000, blank=True, validators=[MaxLengthValidator(2000)])

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.UNASSIGNED, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="created_opportunities",
        editable=False,
        db_index=False,  # opportunity_creator_idx leads with it
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_opportunities",
        editable=False,
        db_index=False,  # opportunity_assignee_idx leads with it
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    failure_reason = models.TextField(
        _("reason for termination"), max_length=1000, blank=True, editable=False, validators=[MaxLengthValidator(1000)]
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        editable=False,
    )

    # Search keys of customer_name, as the customer's (customers.pinyin), kept by the actions.
    customer_name_pinyin = models.CharField(max_length=400, editable=False, default="")
    customer_name_initials = models.CharField(max_length=200, editable=False, default="")
    # The character bigrams of title, customer name and contact (customers.search.name_bigrams):
    # a two-character search has no trigram, so it is matched here, through a GIN index (0005).
    search_bigrams = BigramsField(editable=False, default="")

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-created_at", "-id"]
        permissions = [("assign_opportunity", _("Can assign opportunities to account managers"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(success_rate__gte=0, success_rate__lte=100), name="opportunity_success_rate_0_100"
            ),
            models.CheckConstraint(
                condition=models.Q(status="unassigned") | models.Q(assigned_to__isnull=False),
                name="opportunity_assigned_when_developed",
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="opportunity_created_idx"),
            models.Index(fields=["status", "-created_at", "-id"], name="opportunity_status_idx"),
            # An account manager's own rows (crm.access owner fields), each part read in list order.
            models.Index(fields=["created_by", "-created_at", "-id"], name="opportunity_creator_idx"),
            models.Index(fields=["assigned_to", "-created_at", "-id"], name="opportunity_assignee_idx"),
            models.Index(fields=["customer_name_pinyin", "id"], name="opportunity_pinyin_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("opportunities:detail", kwargs={"pk": self.pk})

    @property
    def is_closed(self):
        """Developed successfully or terminated: read-only from then on."""
        return self.status in TERMINAL

    def can_move_to(self, status):
        """True if ``status`` may follow the current one (TRANSITIONS)."""
        return status in TRANSITIONS[Status(self.status)]


class PlanItem(models.Model):
    """One step of an opportunity's development plan (开发计划项) and, once done, its result (执行效果)."""

    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="plan_items"
    )
    plan_date = models.DateField(_("date"))
    todo = models.CharField(pgettext_lazy("plan item", "to do"), max_length=200)
    result = models.TextField(_("result"), max_length=1000, blank=True, validators=[MaxLengthValidator(1000)])
    result_recorded_at = models.DateTimeField(_("result recorded at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["plan_date", "id"]
        indexes = [
            models.Index(fields=["opportunity", "plan_date", "id"], name="planitem_opportunity_date_idx"),
            models.Index(fields=["plan_date"], name="planitem_date_idx"),
        ]

    def __str__(self):
        return self.todo

    @property
    def is_done(self):
        """A result has been recorded."""
        return bool(self.result)

    def is_overdue(self, today=None):
        """Not done, and its date has passed (``today``: the local date by default)."""
        return not self.is_done and self.plan_date < (today or timezone.localdate())
