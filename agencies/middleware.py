"""Show every page in the acting centre's local time (WIB/WITA/WIT) and the user's language."""
import zoneinfo

from django.utils import timezone, translation


class CentreTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        tzname = None
        if user is not None and user.is_authenticated:
            tzname = _timezone_of(user)
            if user.language and "django_language" not in request.COOKIES and not request.GET.get("lang"):
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        if request.GET.get("lang") in ("id", "en"):
            translation.activate(request.GET["lang"])
            request.LANGUAGE_CODE = request.GET["lang"]
        if tzname:
            timezone.activate(zoneinfo.ZoneInfo(tzname))
        else:
            timezone.activate(zoneinfo.ZoneInfo("Asia/Jakarta"))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def _timezone_of(user):
    if user.command_centre_id:
        return user.command_centre.timezone
    if user.agency_id:
        return user.agency.command_centre.timezone
    if user.community_id:
        return user.community.command_centre.timezone
    if user.province_id:
        return user.province.timezone
    return None
