from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models import DictionaryEntry
from customers.fields import BigramsField
from customers.models import Rating


class Status(models.TextChoices):
    NEW = "new", pgettext_lazy("service request", "New")
    ASSIGNED = "assigned", pgettext_lazy("service request", "Assigned")
    HANDLED = "handled", pgettext_lazy("service request", "Handled")
    ARCHIVED = "archived", pgettext_lazy("service request", "Archived")


# Which status may follow which (SPEC §4). A supervisor may re-assign a request that waits for its
# handling; feedback on a handled request archives it, or sends it back to its assignee for
# another round when the customer was not satisfied. Archived is terminal and read-only.
TRANSITIONS = {
    Status.NEW: frozenset({Status.ASSIGNED}),
    Status.ASSIGNED: frozenset({Status.ASSIGNED, Status.HANDLED}),
    Status.HANDLED: frozenset({Status.ASSIGNED, Status.ARCHIVED}),
    Status.ARCHIVED: frozenset(),
}
# The queues the work goes through, in workflow order (the menu and the dashboard count them).
OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.HANDLED)

# Text fields carry their limit as a validator too: a TextField's max_length binds only forms, and
# the actions validate every value (model.full_clean), whoever calls them.
TEXT_LIMIT = 2000


class ServiceRequest(models.Model):
    """A customer service request (客户服务), from its creation to its archive (SPEC §4).

    The row holds the current state and the latest round's values; every step (creation,
    assignment, handling, feedback) is also a ServiceEvent row of its own, so nothing is lost when
    a request goes round again. Every write goes through services.actions.
    """

    Status = Status

    service_type = models.ForeignKey(
        DictionaryEntry,
        verbose_name=_("service type"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"category": DictionaryEntry.Category.SERVICE_TYPE},
    )
    title = models.CharField(_("summary"), max_length=100)
    # The title's character bigrams (customers.search.name_bigrams), kept by the actions: a
    # two-character search (发票) has no trigram, so it is looked up here through a GIN index (0002).
    title_bigrams = BigramsField(editable=False, default="")
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="service_requests",
        db_index=False,  # service_customer_idx leads with it
    )
    # A copy of the customer's account manager, kept by the database itself (migration 0003's
    # triggers, on every write of a request and every change of a customer's manager, whoever
    # makes it): an account manager's lists read "the requests of my customers" from one index in
    # page order (crm.access, RowScope.mirrors) instead of probing the requests of each of their
    # thousands of customers. Never trusted alone: the scope also checks the customer's manager.
    customer_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,  # service_cmanager_idx leads with it
    )
    request = models.TextField(_("request"), max_length=TEXT_LIMIT, validators=[MaxLengthValidator(TEXT_LIMIT)])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="created_service_requests",
        editable=False,
        db_index=False,  # service_creator_idx leads with it
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("service request", "assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_service_requests",
        editable=False,
        db_index=False,  # service_assignee_idx leads with it
    )
    assigned_at = models.DateTimeField(
        pgettext_lazy("service request", "assigned at"), null=True, blank=True, editable=False
    )
    handling = models.TextField(
        _("handling"), max_length=TEXT_LIMIT, blank=True, editable=False, validators=[MaxLengthValidator(TEXT_LIMIT)]
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True, editable=False)
    result = models.TextField(
        pgettext_lazy("service request", "result"),
        max_length=TEXT_LIMIT,
        blank=True,
        editable=False,
        validators=[MaxLengthValidator(TEXT_LIMIT)],
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), choices=Rating.choices, null=True, blank=True, editable=False
    )

    # Time figures (selectors.time_figures; the reports read them): kept by the actions so that a
    # report over 200,000 requests reads columns, not the history.
    first_assigned_at = models.DateTimeField(_("first assigned at"), null=True, blank=True, editable=False)
    first_handled_at = models.DateTimeField(_("first handled at"), null=True, blank=True, editable=False)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    rounds = models.PositiveSmallIntegerField(_("rounds"), default=0, editable=False)

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-created_at", "-id"]
        permissions = [("assign_servicerequest", _("Can assign service requests to account managers"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True) | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="service_satisfaction_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(status="new") | models.Q(assigned_to__isnull=False),
                name="service_assigned_when_past_new",
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="service_created_idx"),
            # Each queue is one status, read newest first; the archive too.
            models.Index(fields=["status", "-created_at", "-id"], name="service_status_idx"),
            # An account manager's own rows (crm.access owner fields) and their customers' rows.
            models.Index(fields=["created_by", "status", "-created_at", "-id"], name="service_creator_idx"),
            models.Index(fields=["assigned_to", "status", "-created_at", "-id"], name="service_assignee_idx"),
            models.Index(fields=["customer", "-created_at", "-id"], name="service_customer_idx"),
            models.Index(fields=["customer_manager", "status", "-created_at", "-id"], name="service_cmanager_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("services:detail", kwargs={"pk": self.pk})

    @property
    def is_archived(self):
        return self.status == Status.ARCHIVED

    def can_move_to(self, status):
        """True if ``status`` may follow the current one (TRANSITIONS)."""
        return status in TRANSITIONS[Status(self.status)]


class ServiceEvent(models.Model):
    """One step of a service request's life, kept for good (the timeline): who did what, when.

    Assignment rows name the assignee; handling rows carry the handling text; feedback rows the
    result and the satisfaction. ``round`` is the request's ``rounds`` when the step was taken (how
    many handlings were done by then): the creation and the first assignments are 0, the first
    handling and its feedback 1; a request sent back after an unsatisfied feedback is handled in
    the next round (2), and an assignment before that handling is 1 (it opens round 2).
    """

    class Kind(models.TextChoices):
        CREATED = "created", pgettext_lazy("service event", "Created")
        ASSIGNED = "assigned", pgettext_lazy("service event", "Assigned")
        HANDLED = "handled", pgettext_lazy("service event", "Handled")
        FEEDBACK = "feedback", pgettext_lazy("service event", "Feedback")

    service_request = models.ForeignKey(
        ServiceRequest, verbose_name=_("service request"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("step"), max_length=10, choices=Kind.choices)
    round = models.PositiveSmallIntegerField(_("round"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("service request", "assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("text"), max_length=TEXT_LIMIT, blank=True, validators=[MaxLengthValidator(TEXT_LIMIT)])
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), choices=Rating.choices, null=True, blank=True)

    class Meta:
        verbose_name = _("service step")
        verbose_name_plural = _("service steps")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["service_request", "at", "id"], name="serviceevent_request_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.round}"
