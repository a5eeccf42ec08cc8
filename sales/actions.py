"""The only writes on the sales mirror: importing the sales system's files, and keeping the
summary of what each customer ordered each month (CustomerMonthTotal) in step with them."""

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext as _

from crm.audit import record_bulk_event, system_actor
from customers.actions import record_order_dates
from customers.models import Customer
from sales.imports import RowError, open_sheets, parse_row
from sales.models import CustomerMonthTotal, Order, OrderLine, Product, Stock

BATCH = 2000


@dataclass
class KindCounts:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    source: str
    dry_run: bool
    kinds: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    customers_updated: int = 0

    @property
    def written(self):
        return not self.errors and not self.dry_run

    @property
    def changed(self):
        return self.customers_updated or any(c.created or c.updated for c in self.kinds.values())


class _Rollback(Exception):
    pass


def _chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _upsert(model, items, existing, fields, counts):
    """Create the items whose key isn't in ``existing`` and update those whose fields differ.

    ``items``: (key, {field: value}); ``existing``: {key: instance}. Returns the instances
    created and those updated.
    """
    to_create, to_update = [], []
    for key, values in items:
        instance = existing.get(key)
        if instance is None:
            to_create.append(model(**values))
        elif any(getattr(instance, name) != values[name] for name in fields):
            for name in fields:
                setattr(instance, name, values[name])
            to_update.append(instance)
        else:
            counts.unchanged += 1
    model.objects.bulk_create(to_create, batch_size=BATCH)
    if to_update:
        model.objects.bulk_update(to_update, fields, batch_size=BATCH)
    counts.created += len(to_create)
    counts.updated += len(to_update)
    return to_create, to_update


def _ids(model, key_field, keys):
    return dict(model._base_manager.filter(**{f"{key_field}__in": set(keys)}).values_list(key_field, "id"))


def _unknown(errors, number, column, value, what):
    errors.append(RowError(number, column, value, _("unknown %(what)s") % {"what": what}))


def _write_products(rows, counts, errors, context):
    existing = {p.code: p for p in Product.objects.filter(code__in=[v["code"] for _n, v in rows])}
    items = [(v["code"], v) for _n, v in rows]
    _upsert(Product, items, existing, ["name", "model", "batch", "unit", "price", "memo"], counts)


def _write_stock(rows, counts, errors, context):
    products = _ids(Product, "code", [v["product_code"] for _n, v in rows])
    items = []
    for number, values in rows:
        product_id = products.get(values["product_code"])
        if product_id is None:
            _unknown(errors, number, "product_code", values["product_code"], _("product code"))
            continue
        place = (values["warehouse"], values["location"])
        items.append(
            (place, {**{k: values[k] for k in ("warehouse", "location", "quantity", "memo")}, "product_id": product_id})
        )
    candidates = Stock.objects.filter(
        warehouse__in={key[0] for key, _v in items}, location__in={key[1] for key, _v in items}
    )
    existing = {(s.warehouse, s.location): s for s in candidates}
    _upsert(Stock, items, existing, ["product_id", "quantity", "memo"], counts)


def _write_orders(rows, counts, errors, context):
    customers = _ids(Customer, "code", [v["customer_code"] for _n, v in rows])
    items = []
    for number, values in rows:
        customer_id = customers.get(values["customer_code"])
        if customer_id is None:
            _unknown(errors, number, "customer_code", values["customer_code"], _("customer code"))
            continue
        items.append(
            (
                values["order_no"],
                {
                    "order_no": values["order_no"],
                    "customer_id": customer_id,
                    "order_date": values["order_date"],
                    "delivery_address": values["delivery_address"],
                    "status": values["status"],
                },
            )
        )
        newest = context["order_dates"].get(customer_id)
        if newest is None or values["order_date"] > newest:
            context["order_dates"][customer_id] = values["order_date"]
    existing = {o.order_no: o for o in Order.objects.filter(order_no__in=[key for key, _v in items])}
    # An order moved to another customer leaves its month totals behind: both are recomputed.
    previous = {key: order.customer_id for key, order in existing.items()}
    fields = ["customer_id", "order_date", "delivery_address", "status"]
    created, updated = _upsert(Order, items, existing, fields, counts)
    touched = context["touched_customers"]
    touched.update(order.customer_id for order in created)
    for order in updated:
        touched.update((order.customer_id, previous[order.order_no]))


def _write_order_lines(rows, counts, errors, context):
    orders = _ids(Order, "order_no", [v["order_no"] for _n, v in rows])
    products = _ids(Product, "code", [v["product_code"] for _n, v in rows])
    items = []
    for number, values in rows:
        order_id = orders.get(values["order_no"])
        product_id = products.get(values["product_code"])
        if order_id is None:
            _unknown(errors, number, "order_no", values["order_no"], _("order number"))
        if product_id is None:
            _unknown(errors, number, "product_code", values["product_code"], _("product code"))
        if order_id is None or product_id is None:
            continue
        items.append(
            (
                (order_id, values["line_no"]),
                {
                    "order_id": order_id,
                    "line_no": values["line_no"],
                    "product_id": product_id,
                    "quantity": values["quantity"],
                    "unit": values["unit"],
                    "unit_price": values["unit_price"],
                },
            )
        )
    candidates = OrderLine.objects.filter(order_id__in={key[0] for key, _v in items})
    existing = {(line.order_id, line.line_no): line for line in candidates}
    created, updated = _upsert(OrderLine, items, existing, ["product_id", "quantity", "unit", "unit_price"], counts)
    context["touched_orders"].update(line.order_id for line in (*created, *updated))


# How many customers' month totals one DELETE and one INSERT…SELECT recompute.
TOTALS_CHUNK = 2000


def _insert_month_totals(orders):
    """INSERT…SELECT the month totals of ``orders`` (a queryset): one statement, the aggregate
    computed by the database. An order without lines counts as an order of amount 0."""
    money = DecimalField(max_digits=28, decimal_places=4)
    rows = (
        orders.order_by()
        .annotate(total_month=TruncMonth("order_date"))
        .values("customer_id", "total_month")
        .annotate(
            total_amount=Coalesce(
                Sum(ExpressionWrapper(F("lines__quantity") * F("lines__unit_price"), output_field=money)),
                Value(Decimal(0)),
                output_field=money,
            ),
            total_orders=Count("pk", distinct=True),
            total_lines=Count("lines"),
        )
        .values_list("customer_id", "total_month", "total_amount", "total_orders", "total_lines")
    )
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    meta = CustomerMonthTotal._meta
    names = ("customer", "month", "amount", "orders", "lines")
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    with connection.cursor() as cursor:  # the SELECT is Django's, its values passed apart
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({columns}) {sql}", params)  # noqa: S608


def refresh_customer_totals(*, customer_ids=None):
    """Recompute the month totals (CustomerMonthTotal) of the customers ``customer_ids`` from their
    orders, or of every customer if None: their rows are deleted and inserted again from one
    aggregate statement per TOTALS_CHUNK customers, in one transaction. The import calls it for
    the customers a file touched; tests and data loads that write orders otherwise call it too.
    Amounts are rounded to cents per customer and month.

    The customers' rows are locked first (in id order): two imports recomputing one customer at
    once take turns, and the second one's DELETE sees the rows the first inserted. Everything
    (None) is one DELETE and one INSERT…SELECT, for rebuilds while no import runs (a migration,
    the benchmark's seed, after a restore).
    """
    with transaction.atomic():
        if customer_ids is None:
            CustomerMonthTotal.objects.all().delete()
            _insert_month_totals(Order.objects.all())
            return
        ids = sorted(set(customer_ids))
        for start in range(0, len(ids), TOTALS_CHUNK):
            chunk = ids[start : start + TOTALS_CHUNK]
            locked = Customer.all_objects.select_for_update().filter(pk__in=chunk).order_by("pk")
            list(locked.values_list("pk", flat=True))
            CustomerMonthTotal.objects.filter(customer_id__in=chunk).delete()
            _insert_month_totals(Order.objects.filter(customer_id__in=chunk))


def _touched_customers(context):
    """The customers whose month totals a file changed: those of new and updated orders (and the
    previous customer of an order that moved), and those of orders whose lines changed."""
    customers = set(context["touched_customers"])
    orders = sorted(context["touched_orders"])
    for start in range(0, len(orders), TOTALS_CHUNK):
        chunk = orders[start : start + TOTALS_CHUNK]
        customers.update(Order.objects.filter(pk__in=chunk).order_by().values_list("customer_id", flat=True).distinct())
    return customers


WRITERS = {
    "products": _write_products,
    "stock": _write_stock,
    "orders": _write_orders,
    "order_lines": _write_order_lines,
}


def import_sales_file(*, path, actor=None, dry_run=False, progress=None):
    """Upsert one file of the sales system (CSV of one kind, or an XLSX workbook) by natural key.

    All of the file or nothing: it runs in one transaction, and if any row is bad (its row
    number and reason are in the result's ``errors``) or ``dry_run`` is set, the transaction is
    rolled back after every row has been checked. Importing the same file twice changes nothing.
    The month totals (CustomerMonthTotal) of every customer the file touched are recomputed in the
    same transaction, so they always agree with the orders.
    Customers' ``last_order_date`` moves forward through a customers action, and one summary
    audit row records the import with ``actor`` (by default the system user; the bulk writes
    themselves leave no audit rows). Raises ``sales.imports.ImportFileError`` for an unreadable file.
    """
    path = Path(path)
    sheets = open_sheets(path)
    result = ImportResult(source=path.name, dry_run=dry_run)
    context = {"order_dates": {}, "touched_customers": set(), "touched_orders": set()}
    try:
        with transaction.atomic():
            for sheet in sheets:
                kind = sheet.kind
                counts = result.kinds.setdefault(sheet.source, KindCounts())
                first_seen = {}
                for chunk in _chunks(sheet.rows(), BATCH):
                    parsed = []
                    for number, raw in chunk:
                        values = parse_row(kind, number, raw, result.errors)
                        if values is None:
                            continue
                        key = tuple(values[column] for column in kind.key)
                        if key in first_seen:
                            result.errors.append(
                                RowError(
                                    number,
                                    "+".join(kind.key),
                                    " / ".join(map(str, key)),
                                    _("repeats row %(row)d") % {"row": first_seen[key]},
                                )
                            )
                            continue
                        first_seen[key] = number
                        parsed.append((number, values))
                    WRITERS[kind.name](parsed, counts, result.errors, context)
                    counts.rows += len(chunk)
                    if progress is not None:
                        progress(sheet.source, counts.rows)
            if not result.errors:
                if context["order_dates"]:
                    # read once: the recovery's audit row (loss records) and the import's name it
                    actor = actor or system_actor()
                result.customers_updated = record_order_dates(dates=context["order_dates"], actor=actor)
            if not result.written:
                raise _Rollback
            touched = _touched_customers(context)
            if touched:
                refresh_customer_totals(customer_ids=touched)
            if not result.changed:
                return result  # a repeated import changes nothing, not even the audit log
            record_bulk_event(
                event="import",
                actor=actor or system_actor(),
                model=Order,
                details={
                    "file": result.source,
                    "rows": sum(c.rows for c in result.kinds.values()),
                    "kinds": {source: vars(c) for source, c in result.kinds.items()},
                    "customers_updated": result.customers_updated,
                },
            )
    except _Rollback:
        pass
    return result
