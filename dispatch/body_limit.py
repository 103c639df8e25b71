"""Request-body ceilings enforced before Django reads a body.

Django's ASGI handler reads a whole request body (into a temporary file) before any view runs, so a view that refuses
an 11 MB photo would do it only after receiving all 11 MB — over a caller's 2G link, or from a script sending
gigabytes. This middleware answers 413 at once when `Content-Length` is over the ceiling of the path, and counts the
bytes of a body sent without one (chunked), answering 413 as soon as it passes the ceiling. The error has the API's
one shape. Ceilings: settings.REQUEST_BODY_LIMITS, [(path regex, bytes)].
"""
import json
import re

from django.conf import settings
from django.utils.translation import gettext as _


def _limits():
    return [(re.compile(pattern), int(limit)) for pattern, limit in getattr(settings, "REQUEST_BODY_LIMITS", [])]


class BodyLimitMiddleware:
    def __init__(self, app):
        self.app = app
        self.limits = _limits()

    def _limit_for(self, path):
        for pattern, limit in self.limits:
            if pattern.search(path):
                return limit
        return None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self._limit_for(scope.get("path", ""))
        if limit is None:
            return await self.app(scope, receive, send)
        length = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = None
        if length is not None:
            if length > limit:
                return await _too_large(send, limit)
            # the server delivers no more than Content-Length: the view reads at most `limit` bytes
            return await self.app(scope, receive, send)
        # No Content-Length (chunked): take the body in, counting, and hand it on only if it stays under the ceiling.
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                return await _too_large(send, limit)
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replay = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replay_receive():
            if replay:
                return replay.pop()
            return await receive()

        return await self.app(scope, replay_receive, send)


async def _too_large(send, limit):
    message = _("Isi permintaan terlalu besar: paling besar %(mb)s MB.") % {"mb": round(limit / (1024 * 1024))}
    body = json.dumps({"error": {"code": "body_too_large", "message": message, "fields": {}}}).encode()
    await send({
        "type": "http.response.start", "status": 413,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")],
    })
    await send({"type": "http.response.body", "body": body})
