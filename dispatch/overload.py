"""A database that cannot serve the request right now answers 503 + Retry-After, not 500.

Under a burst every pooled connection can be busy (`psycopg_pool.PoolTimeout` after the pool's 10 s timeout),
PostgreSQL can be restarting, or a statement can lose a deadlock: Django raises `OperationalError`, the
transaction has rolled back and nothing was written. That is "try again", not "the server is broken": the
consoles keep the form and retry (static/js/calltaker.js treats ≥ 502 like a network error), and an integrator
retrying `POST /api/v1/incidents/` with the same `Idempotency-Key` cannot create a second incident.
"""
import logging

from django.db import OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_S = 2


def database_unavailable(request, exception):
    """The 503 for a request the database could not serve (JSON in the one error shape under /api/)."""
    cause = exception.__cause__ or exception
    logger.warning("database unavailable for %s %s: %s: %s", request.method, request.path, type(cause).__name__, cause)
    message = _("Server sedang sibuk; tidak ada yang tersimpan dari permintaan ini. Coba lagi sebentar lagi.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": {"code": "service_busy", "message": message, "fields": {}}}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


class DatabaseUnavailableMiddleware:
    """Turns an OperationalError raised by a view into the 503. (With the connection pool on, the view is called
    by dispatch.db_release, which answers the same 503 itself: Django hands process_exception only the
    exceptions of views it called.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError):
            return database_unavailable(request, exception)
        return None
