"""DRF glue shared by every app: one error shape for application errors, DRF errors and Django ValidationError.

    {"error": {"code": "...", "message": "...", "fields": {"field": ["message", ...]}}}
"""
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _, ngettext
from rest_framework import exceptions, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from dispatch.errors import ApplicationError
# The apps reach the project's input guards through this module (docs/architecture.md, "Import directions").
from dispatch.hostile import NulCharacters, has_nul, loads_bounded  # noqa: F401


# DRF's validation codes → the vocabulary the services use for the same problem, so a client reads one set of
# codes per field whichever layer refused the input (`field_codes`). The top-level `code` of a DRF validation
# error stays `invalid`, as integrators already match on it.
FIELD_CODES = {
    "required": "required",
    "null": "required",
    "blank": "required",
    "max_length": "too_long",
    "max_string_length": "too_long",
    "min_value": "out_of_range",
    "max_value": "out_of_range",
    "invalid_choice": "invalid_choice",
}


def _field_codes(codes) -> dict:
    if isinstance(codes, dict):
        return {str(k): [FIELD_CODES.get(str(c), str(c)) for c in _leaves(v)] for k, v in codes.items()}
    if isinstance(codes, list):
        return {"non_field_errors": [FIELD_CODES.get(str(c), str(c)) for c in _leaves(codes)]}
    return {}


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def _flatten(detail):
    if isinstance(detail, dict):
        return {str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {}


class RejectUnknownFieldsMixin:
    """A serializer that refuses fields it does not know (`PATCH {"status": "closed"}` must not answer 200 having
    ignored the one thing the client meant to change)."""

    def validate(self, attrs):
        known = set(self.fields)
        unknown = sorted(str(k) for k in (getattr(self, "initial_data", None) or {}) if k not in known)
        if unknown:
            raise exceptions.ValidationError(
                {name: [exceptions.ErrorDetail(_("Kolom ini tidak dikenal atau tidak dapat diubah."), code="unknown_field")] for name in unknown}
            )
        return super().validate(attrs)


class CappedLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=&offset=` with a ceiling: a console may ask for its 500 open incidents, nobody for a million."""

    default_limit = 50
    max_limit = 1000


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response({"error": exc.as_dict()}, status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        message = _("Isi permintaan terlalu besar.")
        return Response({"error": {"code": "body_too_large", "message": message, "fields": {}}}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(fields)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.values()), [_("Data tidak valid.")])[0]
        body = {"code": "invalid", "message": first, "fields": fields, "field_codes": _field_codes(exc.get_codes())}
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.Throttled) and not isinstance(exc, GatewayThrottled):
        # DRF's own message is half translated ("… Expected available in 3483 seconds."): ours says it whole, in the
        # request's language, and Retry-After (set by DRF) carries the same wait for machines.
        wait = int(exc.wait or 0)
        message = (ngettext("Terlalu banyak permintaan. Coba lagi dalam %(n)d detik.", "Terlalu banyak permintaan. Coba lagi dalam %(n)d detik.", wait)
                   % {"n": wait}) if wait else _("Terlalu banyak permintaan. Coba lagi sebentar lagi.")
        body = {"code": "throttled", "message": message, "fields": {}}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = {"code": str(code), "message": str(detail), "fields": {}}
    response.data = {"error": body}
    return response


# ───────────── gateways' shared secrets (issue 28) ─────────────
class GatewaySecretPermission(BasePermission):
    """The base of a gateway's credential check (the SMS webhook's `X-SMS-Secret`, the AML receiver's
    `X-AML-Secret`): failed secrets are counted per client address, and after GATEWAY_FAILURE_LIMIT within
    GATEWAY_FAILURE_WINDOW that address is refused — 429 `too_many_attempts` with Retry-After, every secret
    unchecked — until the window has passed since its first failure: guessing a secret is a handful of tries per
    window, never a loop. The real gateway, at its own address, is not touched by someone else's guesses.
    Subclasses name the `gateway` and implement `secret_ok`."""

    gateway = "gateway"

    def secret_ok(self, request, view) -> bool:
        raise NotImplementedError

    def has_permission(self, request, view):
        method = request.method.lower()
        if method not in view.http_method_names or not hasattr(view, method):
            # a method the gateway does not answer (TRACE): 405 from the dispatch, not 403 from the secret (issue 28)
            return True
        key = f"gateway-fail:{self.gateway}:{request.META.get('REMOTE_ADDR', '')}"
        window = int(settings.GATEWAY_FAILURE_WINDOW.total_seconds())
        failures = cache.get(key) or 0
        if failures >= settings.GATEWAY_FAILURE_LIMIT:
            wait = max(1, cache.ttl(key) if hasattr(cache, "ttl") else window)
            raise GatewayThrottled(wait)
        if self.secret_ok(request, view):
            return True
        if not cache.add(key, 1, timeout=window):
            try:
                cache.incr(key)
            except ValueError:  # expired meanwhile
                cache.add(key, 1, timeout=window)
        return False


class GatewayThrottled(exceptions.Throttled):
    default_code = "too_many_attempts"

    def __init__(self, wait):
        super().__init__(wait=wait, detail=_("Terlalu banyak kredensial gateway yang salah dari alamat ini; coba lagi nanti."),
                         code="too_many_attempts")
