"""A read-only copy of the company's sales system: products, stock, orders.

Rows are keyed by the sales system's own identifiers and written only by ``import_sales``; the
UI and the admin never create, change or delete them.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from customers.models import Customer


class Product(models.Model):
    code = models.CharField(_("product code"), max_length=32, unique=True)
    name = models.CharField(_("product name"), max_length=100)
    model = models.CharField(_("model"), max_length=100, blank=True)
    batch = models.CharField(_("batch"), max_length=50, blank=True)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    memo = models.CharField(_("memo"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        indexes = [models.Index(fields=["name"], name="product_name_idx")]

    def __str__(self):
        return f"{self.name} {self.model}".strip()


class Stock(models.Model):
    warehouse = models.CharField(_("warehouse"), max_length=50)
    location = models.CharField(_("location"), max_length=50)
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="stock")
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=2)
    memo = models.CharField(_("memo"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        ordering = ["warehouse", "location"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "location"], name="stock_unique_place")]
        indexes = [models.Index(fields=["product", "warehouse"], name="stock_product_idx")]

    def __str__(self):
        return f"{self.warehouse}/{self.location}"


class Order(models.Model):
    class Status(models.TextChoices):
        UNPAID = "unpaid", _("Unpaid")
        PAID = "paid", _("Paid")

    order_no = models.CharField(_("order number"), max_length=32, unique=True)
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders")
    order_date = models.DateField(_("order date"))
    delivery_address = models.CharField(_("delivery address"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-order_date", "-id"]
        indexes = [
            models.Index(fields=["customer", "-order_date"], name="order_customer_date_idx"),
            models.Index(fields=["-order_date", "-id"], name="order_date_idx"),
        ]

    def __str__(self):
        return self.order_no

    def get_absolute_url(self):
        return reverse("sales:order_detail", kwargs={"order_no": self.order_no})


class OrderLine(models.Model):
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "line_no"]
        constraints = [models.UniqueConstraint(fields=["order", "line_no"], name="orderline_unique_line")]

    def __str__(self):
        return f"{self.order_id}/{self.line_no}"

    @property
    def amount(self):
        return self.quantity * self.unit_price


class CustomerMonthTotal(models.Model):
    """What one customer ordered in one month: the sum of its order lines' amounts, its orders and
    lines. A summary derived from the orders, kept by the import (sales.actions.refresh_customer_totals
    recomputes the rows of every customer a file touched, inside its transaction), so the
    contribution analysis sums a few rows per customer instead of every order line.
    """

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # month_total_unique and month_total_cover_idx lead with it
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    amount = models.DecimalField(_("amount"), max_digits=20, decimal_places=2)
    orders = models.PositiveIntegerField(_("orders"))
    lines = models.PositiveIntegerField(_("order lines"))

    class Meta:
        verbose_name = _("customer month total")
        verbose_name_plural = _("customer month totals")
        ordering = ["customer", "month"]
        constraints = [models.UniqueConstraint(fields=["customer", "month"], name="month_total_unique")]
        indexes = [
            # A period of every customer (those who see all).
            models.Index(fields=["month", "customer"], name="month_total_month_idx"),
            # An account manager's customers' months, read from the index alone on PostgreSQL
            # (INCLUDE; bench/README.md "Reports"). SQLite has no INCLUDE: there it repeats the
            # unique constraint's index.
            models.Index(fields=["customer", "month"], include=["amount", "orders"], name="month_total_cover_idx"),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.month:%Y-%m}"
