"""The dictionary choice fields (region, source, service type) read their entries in one query,
labelled in the user's language."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from crm.dictionary import active_entries
from crm.models import DictionaryEntry
from customers.forms import DictionaryChoiceField

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_choices_are_the_entries_in_the_users_language_from_one_query(language):
    DictionaryEntry.objects.create(
        category=DictionaryEntry.Category.REGION, value="tibet", label="西藏", label_en="Tibet", sort_order=99
    )
    entries = active_entries(DictionaryEntry.Category.REGION)
    field = DictionaryChoiceField(queryset=entries, empty_label="All")
    with translation.override(language):
        expected = [("", "All")] + [(entry.pk, entry.display_label) for entry in entries]
        with CaptureQueriesContext(connection) as queries:
            choices = list(iter(field.choices))  # as a select draws them (list() alone counts first)
    assert [(str(value), str(label)) for value, label in choices] == [(str(v), str(lab)) for v, lab in expected]
    assert ("西藏" if language == "zh-hans" else "Tibet") in [label for _value, label in choices]
    assert len(queries) == 1
    assert not queries[0]["sql"].lstrip().upper().startswith("DECLARE")


def test_a_chosen_entry_is_still_validated_against_the_queryset():
    entries = active_entries(DictionaryEntry.Category.REGION)
    entry = entries.first()
    field = DictionaryChoiceField(queryset=entries)
    assert field.clean(str(entry.pk)) == entry
    entry.is_active = False
    entry.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        DictionaryChoiceField(queryset=active_entries(DictionaryEntry.Category.REGION)).clean(str(entry.pk))
