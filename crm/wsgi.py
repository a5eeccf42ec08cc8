import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

application = get_wsgi_application()

# Load the URLconf and with it every view module now, then take everything loaded so far out of
# the garbage collector's sight: it lives as long as the worker, and full collections that walk
# it cost a few milliseconds on the pages that build many objects (the customer list).
get_resolver().url_patterns  # noqa: B018
gc.freeze()
