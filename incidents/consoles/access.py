"""Who may open a console page: shared by every console of the app (and by the board and volunteer pages)."""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied

from agencies.scoping import require_role
from dispatch.errors import PermissionDenied


def require_console_role(request, *roles):
    """Refuse a page to a role it is not for, with Django's 403 page (a browser page, not the API's JSON)."""
    try:
        require_role(request.user, *roles)
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc)) from None
