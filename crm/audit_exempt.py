"""Models of the project's apps that are deliberately not registered with auditlog, and why.

Every model of a project app is either in ``crm.audit.AUDITED_MODELS`` or here with its reason;
crm/tests/test_audit_registry.py fails on a model that is neither, so a new model can't go
unaudited by oversight. Labels are "app_label.ModelName", as in AUDITED_MODELS.

This list belongs next to AUDITED_MODELS in crm/audit.py and is meant to move there.
"""

AUDIT_EXEMPT = {
    "customers.CodeSequence": (
        "the per-day counter behind customer codes: bumped inside create_customer, whose audit row "
        "for the new customer records the code it handed out"
    ),
}
