from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import UserObjectPermissionBase

from crm.models import DictionaryEntry
from customers.fields import BigramsField
from customers.validators import validate_phone, validate_postcode


class Level(models.IntegerChoices):
    ORDINARY = 1, _("Ordinary customer")
    KEY_DEVELOPMENT = 2, _("Key development customer")
    MAJOR = 3, _("Major customer")
    PARTNER = 4, _("Partner")
    STRATEGIC_PARTNER = 5, _("Strategic partner")


class Rating(models.IntegerChoices):
    ONE = 1, "★"
    TWO = 2, "★★"
    THREE = 3, "★★★"
    FOUR = 4, "★★★★"
    FIVE = 5, "★★★★★"


class CustomerQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


class AliveCustomerManager(models.Manager.from_queryset(CustomerQuerySet)):
    """The default manager: deleted customers (in the recycle bin) are hidden everywhere."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Customer(models.Model):
    # What users type in, in the groups the edit form shows: the form's fields and fieldsets and
    # the export's columns derive from this one list (customers/tests/test_drift.py).
    FIELDSETS = (
        (_("Basic information"), ("name", "region", "account_manager", "level", "satisfaction", "credit")),
        (_("Contact details"), ("address", "postcode", "phone", "fax", "website")),
        (
            _("Registration and finance"),
            (
                "uscc",
                "licence_no",
                "legal_rep",
                "registered_capital",
                "annual_turnover",
                "bank_name",
                "bank_account",
                "local_tax_no",
                "national_tax_no",
            ),
        ),
    )
    EDITABLE_FIELDS = tuple(name for _legend, names in FIELDSETS for name in names)

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        LOST = "lost", _("Lost")

    code = models.CharField(_("customer code"), max_length=16, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        DictionaryEntry,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"category": DictionaryEntry.Category.REGION},
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        related_name="managed_customers",
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.ORDINARY)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), choices=Rating.choices, null=True, blank=True)
    credit = models.PositiveSmallIntegerField(_("credit"), choices=Rating.choices, null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True, validators=[validate_postcode])
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[validate_phone])
    fax = models.CharField(_("fax"), max_length=32, blank=True, validators=[validate_phone])
    website = models.URLField(_("website"), max_length=200, blank=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, null=True, blank=True)
    licence_no = models.CharField(_("business licence number"), max_length=32, blank=True)
    legal_rep = models.CharField(_("legal representative"), max_length=50, blank=True)
    registered_capital = models.DecimalField(
        _("registered capital (10k yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    annual_turnover = models.DecimalField(
        _("annual turnover (10k yuan)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)
    local_tax_no = models.CharField(_("local tax number"), max_length=32, blank=True)
    national_tax_no = models.CharField(_("national tax number"), max_length=32, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    last_order_date = models.DateField(_("last order date"), null=True, blank=True, editable=False)

    name_pinyin = models.CharField(_("name pinyin"), max_length=400, editable=False, default="")
    name_initials = models.CharField(_("name initials"), max_length=200, editable=False, default="")
    name_bigrams = BigramsField(editable=False, default="")
    name_normalized = models.CharField(max_length=100, editable=False, default="")
    phone_normalized = models.CharField(max_length=32, editable=False, default="")

    created_at = models.DateTimeField(_("entry time"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    objects = AliveCustomerManager()
    all_objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name_pinyin", "id"]
        default_manager_name = "objects"
        base_manager_name = "all_objects"
        permissions = [
            ("export_customer", _("Can export customers (superusers only)")),
            ("transfer_customer", _("Can transfer customers between managers (superusers only)")),
            ("share_customer", _("Can share a customer with another account manager")),
            ("restore_customer", _("Can see the recycle bin and restore customers")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"],
                condition=models.Q(uscc__isnull=False) & ~models.Q(uscc=""),
                name="customer_unique_uscc",
            ),
        ]
        indexes = [
            # Alive customers only: a deep list page then skips its OFFSET in the index alone.
            models.Index(
                fields=["name_pinyin", "id"], condition=models.Q(deleted_at__isnull=True), name="customer_pinyin_idx"
            ),
            models.Index(
                fields=["account_manager", "name_pinyin", "id"],
                condition=models.Q(deleted_at__isnull=True),
                name="customer_mgr_pinyin_idx",
            ),
            models.Index(fields=["name_normalized"], name="customer_norm_name_idx"),
            models.Index(fields=["phone_normalized"], name="customer_phone_idx"),
            models.Index(fields=["region", "name_pinyin", "id"], name="customer_region_idx"),
            models.Index(fields=["level", "name_pinyin", "id"], name="customer_level_idx"),
            models.Index(fields=["status", "name_pinyin", "id"], name="customer_status_idx"),
            models.Index(fields=["last_order_date"], name="customer_last_order_idx"),
            # The recycle bin, newest first; and its few ids, read from this index alone, which the
            # reports leave out for those who see every customer (sales.selectors: 125 ms of a
            # sequential scan at a million customers → 0.3 ms).
            models.Index(
                fields=["-deleted_at", "-id"],
                condition=models.Q(deleted_at__isnull=False),
                name="customer_deleted_idx",
            ),
            # PostgreSQL reads the customers shared with an account manager (by id, from their
            # grants) in this index alone: telling them from the manager's own (access.scope_parts)
            # and sorting them by pinyin for a list page (crm.paginators). SQLite ignores INCLUDE.
            models.Index(
                fields=["id"],
                include=["name_pinyin", "account_manager"],
                condition=models.Q(deleted_at__isnull=True),
                name="customer_alive_keys",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def get_absolute_url(self):
        return reverse("customers:detail", kwargs={"code": self.code})

    @property
    def is_deleted(self):
        return self.deleted_at is not None


class CustomerUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key row grants (guardian): one indexed join instead of a generic lookup."""

    content_object = models.ForeignKey(Customer, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("customer permission grant")
        verbose_name_plural = _("customer permission grants")


class CodeSequence(models.Model):
    """The last customer number given out each day; codes are never reused, even after deletion."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.day}: {self.last}"


class Contact(models.Model):
    class Gender(models.TextChoices):
        MALE = "m", _("Male")
        FEMALE = "f", _("Female")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    # A person's name (姓名), not a company's (名称): the same English word, another Chinese one.
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    position = models.CharField(_("position"), max_length=50, blank=True)
    office_phone = models.CharField(_("office phone"), max_length=32, blank=True, validators=[validate_phone])
    mobile = models.CharField(_("mobile"), max_length=32, blank=True, validators=[validate_phone])
    email = models.EmailField(_("email"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    memo = models.TextField(_("memo"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(is_primary=True), name="contact_one_primary"
            )
        ]

    def __str__(self):
        return self.name


class Activity(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="activities"
    )
    occurred_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    title = models.CharField(_("summary"), max_length=100)
    detail = models.TextField(_("details"), max_length=5000, blank=True)
    remark = models.CharField(_("remark"), max_length=200, blank=True)
    next_follow_up = models.DateField(_("next follow-up"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="activity_customer_time_idx"),
            models.Index(fields=["next_follow_up"], name="activity_follow_up_idx"),
        ]

    def __str__(self):
        return self.title


class LossRecord(models.Model):
    """A customer about to be lost (客户流失): raised by detect_losses when the customer stopped
    ordering, then postponed with measures, confirmed lost, or recovered by a new order (SPEC §4).

    The account manager and the last order date are those of the day it was raised. At most one
    record of a customer is open (warning or postponed) at a time: a partial unique constraint
    says so, which keeps two detections running at once from raising two.
    """

    class Status(models.TextChoices):
        WARNING = "warning", pgettext_lazy("loss status", "Warning")
        POSTPONED = "postponed", pgettext_lazy("loss status", "Postponed")
        CONFIRMED = "confirmed", pgettext_lazy("loss status", "Lost")
        RECOVERED = "recovered", pgettext_lazy("loss status", "Recovered")

    OPEN = (Status.WARNING, Status.POSTPONED)
    # Which status may follow which: confirmed and recovered records are final.
    TRANSITIONS = {
        Status.WARNING: {Status.POSTPONED, Status.CONFIRMED, Status.RECOVERED},
        Status.POSTPONED: {Status.POSTPONED, Status.CONFIRMED, Status.RECOVERED},
        Status.CONFIRMED: set(),
        Status.RECOVERED: set(),
    }

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="loss_records"
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The customer's account manager when the warning was raised."),
    )
    last_order_date = models.DateField(_("last order date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WARNING)
    reason = models.TextField(_("reason for the loss"), max_length=2000, blank=True)
    raised_at = models.DateTimeField(_("warning raised"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recovered_on = models.DateField(_("recovered by the order of"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("loss record")
        verbose_name_plural = _("loss records")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status__in=["warning", "postponed"]),
                name="loss_one_open_per_customer",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-raised_at"], name="loss_customer_idx"),
            models.Index(fields=["status", "-raised_at", "-id"], name="loss_status_idx"),
            models.Index(fields=["-raised_at", "-id"], name="loss_raised_idx"),
            models.Index(fields=["account_manager", "-raised_at", "-id"], name="loss_manager_idx"),
        ]

    def __str__(self):
        return f"{self.customer} — {self.get_status_display()}"

    def get_absolute_url(self):
        return reverse("customers:loss_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self):
        return self.status in self.OPEN

    def can_move_to(self, status):
        return status in self.TRANSITIONS.get(self.status, set())


class LossMeasure(models.Model):
    """A measure (暂缓措施) taken to keep a customer: appended when a loss is postponed, never edited."""

    record = models.ForeignKey(
        LossRecord, verbose_name=_("loss record"), on_delete=models.CASCADE, related_name="measures"
    )
    text = models.TextField(_("measure"), max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("loss measure")
        verbose_name_plural = _("loss measures")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["record", "created_at"], name="loss_measure_record_idx")]

    def __str__(self):
        return self.text[:50]


class CustomerImport(models.Model):
    """One import of a customer file (customers.imports): checked first (a preview that writes
    nothing), then written once the user confirms. The file lives in ``settings.IMPORT_DIR`` and
    the job's state and progress here, so any app process can run it or answer its page."""

    class Status(models.TextChoices):
        PREVIEWING = "previewing", pgettext_lazy("import status", "Checking")
        PREVIEWED = "previewed", pgettext_lazy("import status", "Checked")
        IMPORTING = "importing", pgettext_lazy("import status", "Importing")
        DONE = "done", pgettext_lazy("import status", "Imported")
        FAILED = "failed", pgettext_lazy("import status", "Failed")
        CANCELLED = "cancelled", pgettext_lazy("import status", "Cancelled")

    RUNNING = (Status.PREVIEWING, Status.IMPORTING)
    # Which status may follow which (the actions move them).
    TRANSITIONS = {
        Status.PREVIEWING: {Status.PREVIEWED, Status.FAILED},
        Status.PREVIEWED: {Status.IMPORTING, Status.CANCELLED},
        Status.IMPORTING: {Status.DONE, Status.FAILED},
        Status.DONE: set(),
        Status.FAILED: set(),
        Status.CANCELLED: set(),
    }

    file_name = models.CharField(_("file"), max_length=200)
    # Relative to settings.IMPORT_DIR; emptied when the job ends and its file is removed.
    file_path = models.CharField(max_length=300, blank=True, editable=False)
    errors_path = models.CharField(max_length=300, blank=True, editable=False)
    default_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager of rows without one"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT, related_name="+"
    )
    # Who confirmed the import, from which address: the actor and address of its audit rows.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    remote_addr = models.GenericIPAddressField(null=True, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(_("new"), default=0)
    updated_count = models.PositiveIntegerField(_("changed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    message = models.TextField(blank=True)
    # The uploader's language: the messages and the file of rejected rows are written in it.
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        permissions = [("import_customer", _("Can import customers from a file"))]

    def __str__(self):
        return self.file_name

    def get_absolute_url(self):
        return reverse("customers:import_detail", kwargs={"pk": self.pk})

    @property
    def is_running(self):
        return self.status in self.RUNNING

    def can_move_to(self, status):
        return status in self.TRANSITIONS.get(self.status, set())
