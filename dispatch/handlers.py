"""Django's last-resort 404/500 pages: JSON in the one error shape under /api/, HTML everywhere else.

A URL that matches no route (e.g. `/api/v1/incidents/-1/`) never reaches DRF, so without this an
integrator would get an HTML page where every other refusal is JSON.
"""
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def _is_api(request):
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"error": {"code": "not_found", "message": _("Tidak ditemukan."), "fields": {}}}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        message = _("Terjadi kesalahan pada server; coba lagi atau hubungi administrator.")
        return JsonResponse({"error": {"code": "server_error", "message": message, "fields": {}}}, status=500)
    return defaults.server_error(request)
