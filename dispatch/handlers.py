"""Django's last-resort 403/404/500 pages: JSON in the one error shape under /api/, and elsewhere a page in the
app's own layout and language (never Django's debug page or a bare "403 Forbidden").

A URL that matches no route (e.g. `/api/v1/incidents/-1/`) never reaches DRF, so without this an
integrator would get an HTML page where every other refusal is JSON.
"""
import logging

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _is_api(request):
    # map tiles (/tiles/…, agencies/tiles.py) are read by scripts too: their refusals are JSON like the API's
    return request.path.startswith(("/api/", "/tiles/"))


def _page(request, status, heading, message):
    try:
        html = loader.render_to_string("error_page.html", {"status": status, "heading": heading, "message": message}, request=request)
    except Exception:  # noqa: BLE001 — the error page must never fail itself (a 500 may come from the database)
        logger.exception("error page %s could not be rendered", status)
        html = f"<!doctype html><title>{status}</title><h1>{heading}</h1><p>{message}</p>"
    return HttpResponse(html, status=status)


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"error": {"code": "not_found", "message": _("Tidak ditemukan."), "fields": {}}}, status=404)
    return _page(request, 404, _("Halaman tidak ditemukan"), _("Alamat ini tidak ada, atau bukan untuk akun Anda."))


def permission_denied(request, exception=None):
    if _is_api(request):
        message = _("Peran Anda tidak diizinkan melakukan tindakan ini.")
        return JsonResponse({"error": {"code": "permission_denied", "message": message, "fields": {}}}, status=403)
    return _page(request, 403, _("Tidak diizinkan"), _("Halaman ini bukan untuk peran Anda. Kembali ke beranda untuk layar Anda."))


def server_error(request):
    if _is_api(request):
        message = _("Terjadi kesalahan pada server; coba lagi atau hubungi administrator.")
        return JsonResponse({"error": {"code": "server_error", "message": message, "fields": {}}}, status=500)
    return _page(request, 500, _("Terjadi kesalahan"), _("Terjadi kesalahan pada server; coba lagi atau hubungi administrator."))
