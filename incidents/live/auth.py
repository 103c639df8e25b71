"""WebSocket authentication: the browser's session, or `Authorization: Token <key>` for integrators.

Origins: a browser always sends `Origin`, and a socket authenticated by the session cookie must come from
one of our hosts (else any web page could open a socket with the dispatcher's cookie: cross-site WebSocket
hijacking). A client without `Origin` is not a browser; it may connect, but only with a token header, so the
middleware strips its cookies. There is no `?token=` query parameter: query strings land in access logs.
"""
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import AllowedHostsOriginValidator, WebsocketDenier
from django.contrib.auth.models import AnonymousUser

from agencies.tokens import user_for_token_key


@database_sync_to_async
def _user_for_token(key):
    return user_for_token_key(key)  # unknown, expired or deactivated: None


class TokenAuthMiddleware(BaseMiddleware):
    """Runs inside AuthMiddlewareStack: a valid token header wins over the session; an invalid one makes the
    socket anonymous (a client that sends a wrong token must not silently fall back to some cookie)."""

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers") or [])
        raw = headers.get(b"authorization", b"").decode("latin-1")
        if raw:
            user = None
            if raw[:6].lower() == "token ":
                user = await _user_for_token(raw[6:].strip())
            scope = dict(scope, user=user or AnonymousUser(), auth_method="token" if user else "invalid")
        return await super().__call__(scope, receive, send)


class BrowserOriginValidator:
    """`Origin` present: must be one of ALLOWED_HOSTS (channels' AllowedHostsOriginValidator).
    `Origin` absent: a non-browser client; let it through without cookies, so only a token can authenticate it."""

    def __init__(self, application):
        self.application = application
        self.browser_app = AllowedHostsOriginValidator(application)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await WebsocketDenier()(scope, receive, send)
        headers = scope.get("headers") or []
        if any(name == b"origin" for name, _ in headers):
            return await self.browser_app(scope, receive, send)
        scope = dict(scope, headers=[(n, v) for n, v in headers if n != b"cookie"])
        return await self.application(scope, receive, send)
