"""Lists kept in step by one source: a column, a form field or a model field added in one place
only makes one of these tests fail, instead of a header without cells or a field saved blank."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from customers.forms import CustomerForm
from customers.models import Customer
from customers.selectors import LIST_PAGE_FIELDS, customer_list_page
from customers.tables import CustomerTable
from customers.tests.factories import make_customer

# Model fields people don't type in, and why. A new field must go into Customer.FIELDSETS or here.
NOT_TYPED_IN = {
    "id": "the key",
    "code": "given by the numbering",
    "status": "set by loss handling",
    "last_order_date": "kept by the sales import",
    "name_pinyin": "derived from the name",
    "name_initials": "derived from the name",
    "name_bigrams": "derived from the name",
    "name_normalized": "derived from the name",
    "phone_normalized": "derived from the phone",
    "created_at": "stamped on creation",
    "updated_at": "stamped on save",
    "created_by": "stamped on creation",
    "deleted_at": "set by the recycle bin",
    "deleted_by": "set by the recycle bin",
}


def test_every_customer_field_is_typed_in_or_said_why_not():
    fields = {field.name for field in Customer._meta.concrete_fields}
    editable = set(Customer.EDITABLE_FIELDS)
    assert len(editable) == len(Customer.EDITABLE_FIELDS), "a field sits in two fieldsets"
    assert not editable & set(NOT_TYPED_IN)
    assert fields == editable | set(NOT_TYPED_IN)


@pytest.mark.django_db
def test_the_form_shows_every_field_it_saves_in_its_fieldsets(superuser_sam):
    form = CustomerForm(user=superuser_sam)
    shown = [field.name for _legend, fields in form.fieldsets() for field in fields]
    assert shown == list(Customer.EDITABLE_FIELDS)
    assert set(form.fields) - {"confirm"} == set(shown)


@pytest.mark.django_db
def test_the_360_page_shows_every_field_typed_in(client, manager_ann):
    values = {
        "address": "北京市朝阳区望京街道9号",
        "postcode": "100102",
        "fax": "010-66668888",
        "website": "https://drift.example.com",
        "uscc": "91110000600037341L",
        "licence_no": "LIC-778899",
        "legal_rep": "王法人",
        "registered_capital": Decimal("1234.56"),
        "annual_turnover": Decimal("7890.12"),
        "bank_name": "招商银行望京支行",
        "bank_account": "6225880011223344",
        "local_tax_no": "LT-556677",
        "national_tax_no": "NT-889900",
        "satisfaction": 4,
        "credit": 2,
    }
    customer = make_customer(manager_ann, name="字段齐全测试有限公司", **values)
    client.force_login(manager_ann)
    page = client.get(customer.get_absolute_url()).content.decode()
    shown = {
        "name": customer.name,
        "region": customer.region.display_label,
        "account_manager": "Manager Ann",
        "level": customer.get_level_display(),
        "phone": customer.phone,
        "satisfaction": "★★★★",
        "credit": "★★",
        "registered_capital": "1,234.56",
        "annual_turnover": "7,890.12",
    }
    for name in Customer.EDITABLE_FIELDS:
        expected = shown.get(name, values.get(name))
        assert str(expected) in page or f"{expected}".replace(",", "") in page, name


@pytest.mark.django_db
def test_the_list_table_draws_a_cell_for_every_column(manager_ann):
    make_customer(manager_ann)
    table = CustomerTable(customer_list_page(user=manager_ann))
    table.paginate(per_page=50)
    names = [column.name for column in table.columns]
    assert list(table.cell_renderers()) == names
    rows = re.findall(r"<tr>(.*?)</tr>", str(table.body_rows()))
    assert len(rows) == 1 and rows[0].count("<td>") == len(names)
    assert set(names) <= set(LIST_PAGE_FIELDS), "a column reads a field the list doesn't load"


@pytest.mark.django_db
def test_a_column_without_a_cell_fails_loudly(manager_ann):
    import django_tables2 as tables

    class Wider(CustomerTable):
        fax = tables.Column()

        class Meta(CustomerTable.Meta):
            fields = (*CustomerTable.Meta.fields, "fax")

    table = Wider(customer_list_page(user=manager_ann))
    table.request = RequestFactory().get("/")
    with pytest.raises(ImproperlyConfigured, match="fax"):
        table.body_rows()
