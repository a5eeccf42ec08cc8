"""Who may take which step of a loss record's workflow (SPEC §2, §4).

crm.access decides which records a user reaches at all (supervisors, administrators and viewers:
every one; account managers: those of the customers they may see). On top of that, postponing and
confirming a loss belong to the customer's own account manager and to supervisors (whoever holds
the model-level permission: crm.roles); a colleague the customer is shared with reads it only.
The actions refuse what these refuse, and pages ask them which buttons to show, so both agree.
"""

from crm import access
from customers.models import LossRecord


def _active(user):
    return getattr(user, "is_authenticated", False) and user.is_active


def acts_on_losses_of(user, record):
    """Whether the record's steps are ``user``'s, whatever its state: the customer's account
    manager now, or a supervisor."""
    return _active(user) and (
        record.customer.account_manager_id == user.pk or access.sees_all(user, LossRecord, "change")
    )


def may_act_on_loss(user, record):
    """Postpone or confirm an open record: the customer's account manager now, or a supervisor."""
    return record.is_open and acts_on_losses_of(user, record)
