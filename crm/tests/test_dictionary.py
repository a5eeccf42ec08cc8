"""The data dictionary (SPEC §3): seeded entries, uniqueness, and the admin's edit and delete rules."""

import pytest
from django.contrib.admin.sites import site
from django.db import IntegrityError, models, transaction
from django.test import RequestFactory
from django.utils import translation

from crm.dictionary import DEFAULT_ENTRIES, active_entries
from crm.models import DictionaryEntry
from crm.tests.test_admin_escalation import read_form

FORM_ID = "dictionaryentry_form"


def change_url(entry):
    return f"/admin/crm/dictionaryentry/{entry.pk}/change/"


def delete_url(entry):
    return f"/admin/crm/dictionaryentry/{entry.pk}/delete/"


@pytest.fixture
def complaint(db):
    return DictionaryEntry.objects.get(category="service_type", value="complaint")


@pytest.fixture
def spare_region(db):
    return DictionaryEntry.objects.create(category="region", value="hainan", label="海南", label_en="Hainan")


def test_seeded_categories_are_present(db):
    categories = set(DictionaryEntry.objects.values_list("category", flat=True))
    assert categories == {"region", "service_type", "opportunity_source", "unit"}
    assert DictionaryEntry.objects.count() == len(DEFAULT_ENTRIES)


def test_service_types_are_the_three_fixed_non_editable_entries(db):
    service_types = set(DictionaryEntry.objects.filter(category="service_type").values_list("label", "is_editable"))
    assert service_types == {("咨询", False), ("建议", False), ("投诉", False)}


def test_other_seeded_entries_are_editable(db):
    assert not DictionaryEntry.objects.exclude(category="service_type").filter(is_editable=False).exists()


def test_active_entries_lists_one_category_in_display_order_without_inactive_ones(db):
    DictionaryEntry.objects.filter(category="unit", value="box").update(is_active=False)
    values = list(active_entries("unit").values_list("value", flat=True))
    assert "box" not in values
    assert values == [value for category, value, *_rest in DEFAULT_ENTRIES if category == "unit" and value != "box"]


def test_category_and_value_are_unique_together(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        DictionaryEntry.objects.create(category="region", value="beijing", label="又一个北京")


def test_the_same_value_may_appear_in_another_category(db):
    DictionaryEntry.objects.create(category="unit", value="beijing", label="北京单位")
    assert DictionaryEntry.objects.filter(value="beijing").count() == 2


def test_label_follows_the_users_language(db):
    entry = DictionaryEntry.objects.get(category="region", value="beijing")
    with translation.override("zh-hans"):
        assert str(entry) == "北京"
    with translation.override("en"):
        assert str(entry) == "Beijing"


@pytest.mark.parametrize("language", ["zh-hans", "en", "fr"])
def test_a_lists_labeller_gives_each_entrys_display_label(db, language):
    # An entry without an English label shows its Chinese one in English too.
    entries = [*DictionaryEntry.objects.filter(category="region")[:3], DictionaryEntry(label="无英文", label_en="")]
    with translation.override(language):
        label = DictionaryEntry.labeller()
        assert [label(entry) for entry in entries] == [entry.display_label for entry in entries]
        assert [DictionaryEntry.label_in_language(e.label, e.label_en, language) for e in entries] == [
            entry.display_label for entry in entries
        ]
    assert label(entries[-1]) == "无英文"


def test_unused_entries_are_not_in_use(db):
    assert not any(entry.is_in_use() for entry in DictionaryEntry.objects.all())


# --- the admin ----------------------------------------------------------------------------------


def test_administrator_sees_a_non_editable_entry_read_only(client, admin, complaint):
    client.force_login(admin)
    response = client.get(change_url(complaint))
    assert response.status_code == 200
    data, _options = read_form(response, FORM_ID)
    assert "label" not in data
    assert b'name="_save"' not in response.content


def test_administrator_cannot_change_a_non_editable_entry_by_post(client, admin, complaint, spare_region):
    client.force_login(admin)
    # The fields of an editable entry's form, aimed at the non-editable one.
    data, _options = read_form(client.get(change_url(spare_region)), FORM_ID)
    data.update(label="抱怨", label_en="Grumble", is_active="")
    response = client.post(change_url(complaint), {**data, "_save": "1"})
    assert response.status_code == 403
    complaint.refresh_from_db()
    assert (complaint.label, complaint.label_en, complaint.is_active) == ("投诉", "Complaint", True)


@pytest.mark.parametrize("persona", ["admin", "superuser_sam"])
def test_nobody_can_delete_a_non_editable_entry(client, request, persona, complaint):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(delete_url(complaint)).status_code == 403
    assert client.post(delete_url(complaint), {"post": "yes"}).status_code == 403
    assert DictionaryEntry.objects.filter(pk=complaint.pk).exists()


def test_administrator_can_edit_an_editable_entry(client, admin, spare_region):
    client.force_login(admin)
    data, _options = read_form(client.get(change_url(spare_region)), FORM_ID)
    data.update(label="海南省", label_en="Hainan Province", sort_order="40")
    response = client.post(change_url(spare_region), {**data, "_save": "1"})
    assert response.status_code == 302
    spare_region.refresh_from_db()
    assert (spare_region.label, spare_region.label_en, spare_region.sort_order) == ("海南省", "Hainan Province", 40)


def test_administrator_cannot_change_category_value_or_editability(client, admin, spare_region):
    client.force_login(admin)
    data, _options = read_form(client.get(change_url(spare_region)), FORM_ID)
    assert not {"category", "value", "is_editable"} & set(data)
    data.update(category="unit", value="renamed", is_editable="", label="海南二")
    assert client.post(change_url(spare_region), {**data, "_save": "1"}).status_code == 302
    spare_region.refresh_from_db()
    assert spare_region.label == "海南二"  # saved, with the read-only fields left alone
    assert (spare_region.category, spare_region.value, spare_region.is_editable) == ("region", "hainan", True)


def test_administrator_can_delete_an_editable_unused_entry(client, admin, spare_region):
    client.force_login(admin)
    assert client.get(delete_url(spare_region)).status_code == 200
    response = client.post(delete_url(spare_region), {"post": "yes"})
    assert response.status_code == 302
    assert not DictionaryEntry.objects.filter(pk=spare_region.pk).exists()


def test_administrator_can_add_an_entry(client, admin):
    client.force_login(admin)
    data, _options = read_form(client.get("/admin/crm/dictionaryentry/add/"), FORM_ID)
    data.update(category="unit", value="litre", label="升", label_en="litre")
    assert client.post("/admin/crm/dictionaryentry/add/", {**data, "_save": "1"}).status_code == 302
    entry = DictionaryEntry.objects.get(category="unit", value="litre")
    assert entry.is_editable


def test_adding_a_duplicate_entry_in_the_admin_is_a_form_error(client, admin):
    client.force_login(admin)
    data, _options = read_form(client.get("/admin/crm/dictionaryentry/add/"), FORM_ID)
    data.update(category="region", value="beijing", label="北京二")
    response = client.post("/admin/crm/dictionaryentry/add/", {**data, "_save": "1"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert DictionaryEntry.objects.filter(category="region", value="beijing").count() == 1


def test_bulk_delete_is_not_offered(client, admin, spare_region, complaint):
    client.force_login(admin)
    response = client.post(
        "/admin/crm/dictionaryentry/",
        {"action": "delete_selected", "_selected_action": [spare_region.pk, complaint.pk], "post": "yes"},
    )
    assert response.status_code in {200, 302}
    assert DictionaryEntry.objects.filter(pk__in=[spare_region.pk, complaint.pk]).count() == 2


def test_admin_allows_deleting_only_editable_entries_not_in_use(admin, spare_region, complaint):
    model_admin = site._registry[DictionaryEntry]
    request = RequestFactory().get("/admin/")
    request.user = admin
    assert not spare_region.is_in_use()
    assert model_admin.has_delete_permission(request, spare_region)
    assert not model_admin.has_delete_permission(request, complaint)


def test_an_entry_used_by_a_customer_is_in_use_and_cannot_be_deleted(client, admin, manager_ann, spare_region):
    customer_models = pytest.importorskip("customers.models")
    customer_actions = pytest.importorskip("customers.actions")
    customer = customer_models.Customer(name="海南椰林贸易有限公司", region=spare_region, account_manager=manager_ann)
    customer_actions.create_customer(actor=manager_ann, customer=customer)
    assert spare_region.is_in_use()
    client.force_login(admin)
    assert client.get(delete_url(spare_region)).status_code == 403
    assert client.post(delete_url(spare_region), {"post": "yes"}).status_code == 403
    assert DictionaryEntry.objects.filter(pk=spare_region.pk).exists()


def test_an_entry_used_by_a_deleted_customer_is_still_in_use(manager_ann, spare_region):
    # The customer can be restored from the recycle bin, with its region.
    customer_models = pytest.importorskip("customers.models")
    customer_actions = pytest.importorskip("customers.actions")
    customer = customer_models.Customer(name="海南椰林贸易有限公司", region=spare_region, account_manager=manager_ann)
    customer_actions.create_customer(actor=manager_ann, customer=customer)
    customer_actions.delete_customer(actor=manager_ann, customer=customer)
    assert spare_region.is_in_use()


def _references():
    """Every relation another model has to DictionaryEntry, including those without a reverse name."""
    return [
        field
        for field in DictionaryEntry._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete and (field.one_to_many or field.one_to_one)
    ]


def test_models_referring_to_dictionary_entries_protect_them(db):
    references = _references()
    if not references:
        pytest.skip("no model refers to DictionaryEntry yet; the in-use rule has nothing to protect")
    for relation in references:
        assert relation.on_delete is models.PROTECT, relation.related_model._meta.label
