"""How the product shows things to people, said once (templates reach these through crm_tags)."""

from django.utils.translation import gettext

# The named, inactive user that commands act as (crm.audit.system_actor).
SYSTEM_USERNAME = "system"


def display_name(user):
    """A person as users see them: the full name, else the username; "" for nobody. The commands'
    own user reads as "System" in the user's language."""
    if user is None:
        return ""
    if user.get_username() == SYSTEM_USERNAME and not user.is_active:
        return gettext("System")
    return user.get_full_name() or user.get_username()
