import importlib

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from crm.apps import project_app_configs
from crm.audit import as_system


class Command(BaseCommand):
    help = "Create demo users for every role and realistic demo data; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=60, help="how many demo customers to create (default 60)")
        parser.add_argument(
            "--recovery-codes",
            action="store_true",
            help="print new two-factor recovery codes for the demo administrator and superuser (the old stop working)",
        )

    def handle(self, *args, **options):
        if options["customers"] < 0:
            raise CommandError("--customers must not be negative")
        # Each app that has demo data offers <app>/demo.py with seed(stdout=, options=); the core
        # goes first (users), and the apps follow in INSTALLED_APPS order. A demo that needs the
        # other apps' data (loss detection reads the orders the sales demo imported) also offers
        # after_seed(stdout=, options=), called in the same order once every seed has run.
        with as_system(), transaction.atomic():
            modules = []
            for config in project_app_configs():
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                module.seed(stdout=self.stdout, options=options)
                modules.append(module)
            for module in modules:
                if hasattr(module, "after_seed"):
                    module.after_seed(stdout=self.stdout, options=options)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
