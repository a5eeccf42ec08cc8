"""Recompute the pinyin keys of customers whose names hold a polyphonic surname character: such a
surname after a place name now gets its surname reading too (重庆曾记物流 is found by ``zengji``
and ``cqzj``, issue 10). Other names read as before, so their keys are left alone.

Batches by primary key, each in its own transaction, so a million customers are never held in
memory or in one long transaction, and an interrupted run can simply be run again (the keys are
derived from the name alone). Only rows whose keys change are written. ``bulk_update`` writes no
audit rows: the keys are derived columns that no history shows.
"""

import re

from django.db import migrations, transaction

BATCH_SIZE = 2000


def recompute_pinyin_keys(apps, schema_editor):
    from customers.pinyin import SURNAME_READINGS, pinyin_keys

    Customer = apps.get_model("customers", "Customer")
    alias = schema_editor.connection.alias
    characters = "".join(sorted(set("".join(SURNAME_READINGS))))
    candidates = Customer.all_objects.using(alias).filter(name__regex=f"[{re.escape(characters)}]")
    max_lengths = (
        Customer._meta.get_field("name_pinyin").max_length,
        Customer._meta.get_field("name_initials").max_length,
    )
    last_pk = 0
    while True:
        batch = list(
            candidates.filter(pk__gt=last_pk)
            .order_by("pk")
            .only("pk", "name", "name_pinyin", "name_initials")[:BATCH_SIZE]
        )
        if not batch:
            return
        changed = []
        for customer in batch:
            keys = pinyin_keys(customer.name, max_lengths=max_lengths)
            if keys != (customer.name_pinyin, customer.name_initials):
                customer.name_pinyin, customer.name_initials = keys
                changed.append(customer)
        if changed:
            with transaction.atomic(using=alias):
                Customer.all_objects.using(alias).bulk_update(changed, ["name_pinyin", "name_initials"])
        last_pk = batch[-1].pk


class Migration(migrations.Migration):
    # Each batch commits on its own (see recompute_pinyin_keys).
    atomic = False

    dependencies = [("customers", "0006_reconcile_search_indexes")]

    # Going back keeps the new keys: the earlier code searches them just as well.
    operations = [migrations.RunPython(recompute_pinyin_keys, migrations.RunPython.noop)]
