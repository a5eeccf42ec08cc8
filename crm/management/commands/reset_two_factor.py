"""``manage.py reset_two_factor USERNAME --by SUPERUSER``: the recovery path of two-factor sign-in.

For a user who lost their phone and their recovery codes: removes their devices and ends their
sessions (crm.two_factor.reset_two_factor), so they set the app up again at their next sign-in.
A superuser runs it and is named with --by: the audit row records them as the actor.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from crm.two_factor import reset_two_factor


class Command(BaseCommand):
    help = "Remove a user's two-factor devices and end their sessions, so they set it up again at next sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the user whose two-factor sign-in is reset")
        parser.add_argument("--by", required=True, metavar="SUPERUSER", help="the superuser doing it (audited)")

    def handle(self, *args, **options):
        User = get_user_model()
        user = User._default_manager.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        actor = User._default_manager.filter(username=options["by"], is_active=True, is_superuser=True).first()
        if actor is None:
            raise CommandError(f"--by must name an active superuser; {options['by']!r} is not one.")
        removed = reset_two_factor(actor=actor, user=user)
        self.stdout.write(
            self.style.SUCCESS(
                f"Two-factor sign-in of {user.get_username()} reset ({removed} device(s) removed, sessions ended): "
                "they set it up again at their next sign-in."
            )
        )
