"""Hostile or careless input is a 4xx in the one error shape, never a 500 (issue 14).

- JSON nested deeper than MAX_JSON_DEPTH (`[` × 100,000 made Python's parser raise RecursionError → 500, on the
  anonymous token endpoint too) is refused as a parse error.
- A NUL character cannot be stored by PostgreSQL (text columns refuse it: "A string literal cannot contain NUL"),
  so a NUL in a JSON string, in the path, in a query parameter or in a form field is refused up front with
  `invalid_characters`, instead of reaching the database as a 500. The AML receiver reads its own body and
  tolerates anything (it must answer 2xx).
"""
import json

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

# Far beyond any document we accept (an EIDO nests about 6 levels), far below Python's recursion limit.
MAX_JSON_DEPTH = 64


def json_depth_ok(value, limit=MAX_JSON_DEPTH) -> bool:
    """Iterative (no recursion of our own): False when containers nest deeper than `limit`."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > limit:
                return False
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return True


def has_nul(value) -> bool:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def loads_bounded(text):
    """json.loads that raises ValueError (never RecursionError) for a document nested too deep."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deep") from None
    if not json_depth_ok(value):
        raise ValueError("JSON nested too deep")
    return value


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with a depth limit and no NUL characters in any string."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", "utf-8")
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
            value = loads_bounded(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(_("JSON tidak valid: %(e)s") % {"e": str(exc)[:200]}) from None
        if has_nul(value):
            raise NulCharacters()
        return value


class NulCharacters(exceptions.ParseError):
    default_code = "invalid_characters"

    def __init__(self):
        super().__init__(_("Teks berisi karakter NUL (\\u0000) yang tidak dapat disimpan."), code="invalid_characters")


# Gateways that must answer 2xx whatever they are sent (domain.md: an AML receiver always answers 2xx); they
# store a hostile body as a problem themselves (incidents.services.interop).
NUL_TOLERANT_PATHS = ("/api/v1/aml/",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _lists_have_nul(lists) -> bool:
    return any("\x00" in key or any("\x00" in str(v) for v in values) for key, values in lists)


class RefuseNulInQueryMiddleware:
    """A NUL in the path (`/api/v1/callers/0812%0034/history/`), a query parameter (`/places/?q=%00`) or a form
    field (the volunteer sign-up's `name`) is a 400 — JSON in the one shape under /api/, the error page elsewhere —
    not a database error (issues 14 and 28)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(NUL_TOLERANT_PATHS) and self.has_nul(request):
            return refuse_nul(request)
        return self.get_response(request)

    @staticmethod
    def has_nul(request) -> bool:
        if "\x00" in request.path or _lists_have_nul(request.GET.lists()):
            return True
        if request.method in ("POST", "PUT", "PATCH") and request.content_type in FORM_TYPES:
            if request.content_type == "multipart/form-data" and request.path.startswith("/api/"):
                # An API upload is its view's to parse: reading request.POST here would parse the whole body with the
                # default handlers before the view can bound it (the caller's photo counts its bytes as they arrive,
                # incidents/api/caller_public.py). DRF's fields refuse a NUL in a multipart field themselves (400).
                return False
            try:
                return _lists_have_nul(request.POST.lists())
            except Exception:  # noqa: BLE001 — a malformed body is the view's (and its parser's) to refuse
                return False
        return False


def refuse_nul(request):
    message = str(NulCharacters().detail)
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "invalid_characters", "message": message, "fields": {}}}, status=400)
    return render(request, "error_page.html", {"status": 400, "heading": _("Permintaan tidak valid"), "message": message}, status=400)
