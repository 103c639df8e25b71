"""What a locked-out login gets (django-axes calls `lockout_response`): 429 with Retry-After, in the one error
shape on the API and as the login page with a clear message on the form.

Failures are counted per username *and* address together (settings.AXES_LOCKOUT_PARAMETERS): a centre's
call-takers share one NAT address, and one colleague's wrong password must not lock the whole room out."""
from axes.helpers import get_cool_off
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request, original_response=None, credentials=None):
    cool_off = get_cool_off(request)
    seconds = max(1, int(cool_off.total_seconds())) if cool_off else 900
    minutes = max(1, round(seconds / 60))
    message = _("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(min)d menit.") % {"min": minutes}
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": {"code": "too_many_attempts", "message": message, "fields": {}}}, status=429)
    else:
        response = render(request, "registration/login.html", {"lockout_message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response
