"""Browser views of the agencies app: accounts."""
from django.contrib.auth import views as auth_views

from agencies.tokens import token_revoke


class LogoutView(auth_views.LogoutView):
    """Django's logout, which also revokes the user's API token (issue 14: tokens revoked on logout)."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            token_revoke(user=request.user)
        return super().post(request, *args, **kwargs)
