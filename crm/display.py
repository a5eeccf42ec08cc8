"""How the product shows things to people, said once (templates reach these through crm_tags)."""


def display_name(user):
    """A person as users see them: the full name, else the username; "" for nobody."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
