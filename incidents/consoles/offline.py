"""The Service Worker of the consoles (issue 26): `/sw.js`, served at the root scope so it can answer for the console
pages while the server is away.

The worker (templates/consoles/sw.js) keeps:
- the console pages (call-taker, dispatcher, crew) — network first, the last copy when the server does not answer;
- the static files the consoles load (js/, css/, img/, vendor/, Leaflet) — precached at install, cache first: the
  worker's version is a hash of their contents, so any change of a file is a new worker that fetches them again;
- the JavaScript translation catalogue and the offline reference data (GET /api/v1/reference/offline/) — network
  first, the last answer when the server is away. No other API answer is ever cached;
- the basemap tiles drawn (/tiles/base/…) — network first, the last copy when the server is away (at most 3,000,
  the oldest dropped), so the map of the area being worked does not go blank.
"""
import hashlib
import json
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse

PRECACHE_PREFIXES = ("js/", "css/", "img/", "vendor/", "leaflet/leaflet.", "leaflet/images/", "leaflet/leaflet_django.css")
PRECACHE_SUFFIXES = (".js", ".css", ".png", ".svg", ".json")
CONSOLE_PAGES = ("console-call-taker", "console-dispatcher", "crew")


@lru_cache(maxsize=1)
def _static_manifest() -> tuple[tuple[str, ...], str]:
    """(the static URLs to precache, a hash of their contents) — computed once per process."""
    found = {}
    for finder in finders.get_finders():
        for path, storage in finder.list([]):
            path = path.replace("\\", "/")
            if path in found or not path.startswith(PRECACHE_PREFIXES) or not path.endswith(PRECACHE_SUFFIXES):
                continue
            found[path] = storage
    digest = hashlib.sha256()
    for path in sorted(found):
        digest.update(path.encode())
        with found[path].open(path) as f:
            digest.update(f.read())
    return tuple(static(p) for p in sorted(found)), digest.hexdigest()[:16]


def service_worker(request):
    statics, version = _static_manifest()
    pages = [reverse(name) for name in CONSOLE_PAGES]
    body = render_to_string("consoles/sw.js", {
        "version": version,
        "statics_json": json.dumps(list(statics)),
        "pages_json": json.dumps(pages),
        "catalog_json": json.dumps(reverse("javascript-catalog")),
        "reference_json": json.dumps(reverse("api-reference-offline")),
        "login_json": json.dumps(reverse("login")),
        "logout_json": json.dumps(reverse("logout")),
    })
    # The template's own bytes change the version too (a new worker when its code changes).
    version = hashlib.sha256(body.encode()).hexdigest()[:16]
    body = body.replace("__SW_VERSION__", version)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
