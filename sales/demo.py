"""Demo products, stock and three years of orders, loaded through the real import.

About one customer in five stopped ordering seven to twelve months ago, so loss detection has
something to find; one in ten never ordered.
"""

import csv
import random
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from customers.models import Customer
from sales.actions import import_sales_file
from sales.models import Order, Product

PRODUCTS = [
    ("P-1001", "工业级路由器", "RX-200", "台", "3200.00"),
    ("P-1002", "千兆交换机", "SW-48G", "台", "5800.00"),
    ("P-1003", "无线接入点", "AP-6", "台", "890.00"),
    ("P-1004", "防火墙", "FW-1000", "台", "12800.00"),
    ("P-2001", "超五类网线", "CAT5E-305", "箱", "420.50"),
    ("P-2002", "六类网线", "CAT6-305", "箱", "680.00"),
    ("P-2003", "光纤跳线", "LC-LC-3M", "个", "35.00"),
    ("P-3001", "机柜", "42U-600", "套", "2600.00"),
    ("P-3002", "不间断电源", "UPS-3K", "台", "4300.00"),
    ("P-4001", "网络运维服务", "SVC-Y1", "套", "18000.00"),
]
WAREHOUSES = ["北京一号库", "上海中转库", "广州南沙库"]


def _write(path, header, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def seed(*, stdout, options):
    """Import demo sales data once; skipped when orders already exist."""
    if Order.objects.exists() or not Customer.objects.exists():
        stdout.write(f"Sales: {Order.objects.count()} orders present, skipped.")
        return
    rng = random.Random(4242)
    today = timezone.localdate()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        _write(
            folder / "products.csv",
            ["code", "name", "model", "batch", "unit", "price", "memo"],
            [(code, name, model, "2026A", unit, price, "") for code, name, model, unit, price in PRODUCTS],
        )
        _write(
            folder / "stock.csv",
            ["warehouse", "location", "product_code", "quantity", "memo"],
            [
                (warehouse, f"{chr(65 + w)}-{i + 1:02d}", code, rng.randint(0, 400), "")
                for w, warehouse in enumerate(WAREHOUSES)
                for i, (code, *_rest) in enumerate(PRODUCTS)
            ],
        )
        orders, lines = [], []
        for index, customer in enumerate(Customer.objects.order_by("pk")):
            if index % 10 == 9:
                continue  # never ordered
            stopped = index % 5 == 3  # stopped ordering 7 to 12 months ago
            last = (
                today - timedelta(days=rng.randint(210, 365)) if stopped else today - timedelta(days=rng.randint(1, 60))
            )
            day = today - timedelta(days=3 * 365)
            number = 0
            while day <= last:
                number += 1
                order_no = f"SO{customer.pk:05d}{number:03d}"
                status = "paid" if day < today - timedelta(days=45) or rng.random() < 0.5 else "unpaid"
                orders.append((order_no, customer.code, day.isoformat(), customer.address, status))
                for line_no, product in enumerate(rng.sample(PRODUCTS, rng.randint(1, 3)), start=1):
                    price = Decimal(product[4]) * Decimal(rng.choice(["1", "0.95", "0.9"]))
                    lines.append((order_no, line_no, product[0], rng.randint(1, 20), product[3], f"{price:.2f}"))
                day += timedelta(days=rng.randint(30, 120))
        _write(folder / "orders.csv", ["order_no", "customer_code", "order_date", "delivery_address", "status"], orders)
        _write(
            folder / "order_lines.csv", ["order_no", "line_no", "product_code", "quantity", "unit", "unit_price"], lines
        )
        for name in ("products", "stock", "orders", "order_lines"):
            result = import_sales_file(path=folder / f"{name}.csv")
            if result.errors:
                raise RuntimeError(f"demo sales data rejected: {result.errors[:3]}")
    stdout.write(f"Sales: {Product.objects.count()} products, {len(orders)} orders, {len(lines)} order lines.")
