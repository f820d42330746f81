import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "etoile_app.settings")

application = get_wsgi_application()

# What the app loads once (models, the URLs and every view module they import) is never
# garbage: frozen, Python's collector no longer walks it in its full collections, which cost
# a member's page about 7 % of its instructions (docs/PERFORMANCE.md), as much as turning the
# collector off saves.
get_resolver().url_patterns  # noqa: B018 (imports every view module now)
gc.freeze()
