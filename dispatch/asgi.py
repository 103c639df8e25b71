"""ASGI entry point: HTTP through Django, WebSockets through Channels (authorised in each consumer's connect()).

Run several processes behind one address (e.g. `uvicorn dispatch.asgi:application --workers 2`): live events
reach every process through one Redis subscription each (incidents.live.hub).
"""
import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dispatch.settings.local")
django.setup(set_prefix=False)  # as django.core.asgi.get_asgi_application does

from dispatch.asgi_handler import OneHopASGIHandler  # noqa: E402

# Django's ASGI handler with each request's sync path in one thread hop (dispatch/asgi_handler.py, issue 27).
django_asgi_app = OneHopASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from dispatch.body_limit import BodyLimitMiddleware  # noqa: E402
from incidents.live.auth import BrowserOriginValidator, TokenAuthMiddleware  # noqa: E402
from incidents.live.routing import websocket_urlpatterns  # noqa: E402
from incidents.live.send import ServerSendMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Bodies over a path's ceiling (a caller's photo: 10 MB) are refused before Django reads them.
        "http": BodyLimitMiddleware(django_asgi_app),
        # Foreign browser origins are refused (AllowedHostsOriginValidator inside BrowserOriginValidator);
        # the session authenticates browsers, `Authorization: Token` integrators.
        # ServerSendMiddleware (outermost) keeps the server's own send for the live events' cheap path.
        "websocket": ServerSendMiddleware(
            BrowserOriginValidator(AuthMiddlewareStack(TokenAuthMiddleware(URLRouter(websocket_urlpatterns))))
        ),
    }
)

# Issue 27 (no stalls): a full (generation-2) garbage collection walks every container object of the process, and
# while it runs the event loop — the live hub and every socket of the process — stands still. After start-up that
# is ≈ 150,000 objects of modules, URL patterns and models that live as long as the process (≈ 60–90 ms per full
# collection on an idle core here, several times that on the 2 shared cores under load). Moving them to the
# permanent generation leaves only what the process creates afterwards (sockets, requests) for the collector.
# The URL patterns (every view module) are loaded first so that they are frozen too.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns
gc.freeze()
