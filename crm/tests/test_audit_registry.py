"""Every model of the project's apps is audited, or exempt with a reason (SPEC §6, STYLE §7).

A new model fails here until it is added to crm.audit.AUDITED_MODELS or, with the reason it
needn't be, to crm.audit.AUDIT_EXEMPT.
"""

from auditlog.registry import auditlog
from django.apps import apps

from crm.apps import project_app_configs
from crm.audit import AUDIT_EXEMPT, AUDITED_MODELS


def project_model_labels():
    return {model._meta.label for config in project_app_configs() for model in config.get_models()}


def unaccounted(labels, audited, exempt):
    """The labels neither audited nor exempt, sorted."""
    return sorted(set(labels) - set(audited) - set(exempt))


def test_every_project_model_is_audited_or_exempt():
    missing = unaccounted(project_model_labels(), AUDITED_MODELS, AUDIT_EXEMPT)
    assert not missing, f"models neither in crm.audit.AUDITED_MODELS nor in crm.audit.AUDIT_EXEMPT: {missing}"


def test_a_model_in_neither_list_is_reported():
    labels = {*AUDITED_MODELS, *AUDIT_EXEMPT, "customers.NewThing"}
    assert unaccounted(labels, AUDITED_MODELS, AUDIT_EXEMPT) == ["customers.NewThing"]


def test_the_lists_name_only_existing_project_models():
    # A renamed or removed model left behind in either list would make the check above lie.
    known = project_model_labels()
    assert sorted(set(AUDITED_MODELS) - known) == []
    assert sorted(set(AUDIT_EXEMPT) - known) == []


def test_no_model_is_both_audited_and_exempt():
    assert sorted(set(AUDITED_MODELS) & set(AUDIT_EXEMPT)) == []


def test_every_exemption_gives_a_reason():
    assert [label for label, reason in AUDIT_EXEMPT.items() if not str(reason).strip()] == []


def test_audited_models_are_registered_with_auditlog():
    assert [label for label in AUDITED_MODELS if not auditlog.contains(apps.get_model(label))] == []
    assert not any(auditlog.contains(apps.get_model(label)) for label in AUDIT_EXEMPT)
