"""Fill the month totals from the orders already imported (the import keeps them from now on).

Self-contained on the historical models, so later changes to sales.actions can't change what this
migration did: one INSERT…SELECT of the aggregate, computed by the database.
"""

from decimal import Decimal

from django.db import migrations
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth


def fill(apps, schema_editor):
    Order = apps.get_model("sales", "Order")
    CustomerMonthTotal = apps.get_model("sales", "CustomerMonthTotal")
    money = DecimalField(max_digits=28, decimal_places=4)
    rows = (
        Order.objects.order_by()
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
    quote = schema_editor.connection.ops.quote_name
    meta = CustomerMonthTotal._meta
    names = ("customer", "month", "amount", "orders", "lines")
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({columns}) {sql}", params)  # noqa: S608


def empty(apps, schema_editor):
    apps.get_model("sales", "CustomerMonthTotal").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("sales", "0002_customermonthtotal")]

    operations = [migrations.RunPython(fill, empty)]
