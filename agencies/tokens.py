"""API tokens that expire and can be revoked (issue 14).

A token lives API_TOKEN_TTL from its creation; after that every request with it is 401 `token_expired` and
signing in again issues a new one. `token_revoke` deletes a user's token: `POST /api/v1/auth/token/revoke/`,
every logout, and a user who is deactivated is refused by every check here (and by DRF) at once — and their token
is deleted on that save (issue 28), so reactivating the account does not bring the old token back: they sign in
again for a new one.
The WebSocket authenticates with the same rule (incidents.live.auth)."""
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from dispatch.prepared import PreparedQuery

# Every API request reads its token with its user: compiled once per process (issue 27).
_TOKEN_WITH_USER = PreparedQuery(lambda key: Token.objects.select_related("user").filter(key=key))


def token_is_expired(token) -> bool:
    return token.created < timezone.now() - settings.API_TOKEN_TTL


def user_for_token_key(key: str):
    """The active user of a live token, or None (unknown, expired, or the user deactivated)."""
    token = _TOKEN_WITH_USER.first(key=key)
    if token is None or token_is_expired(token) or not token.user.is_active:
        return None
    return token.user


def token_issue(*, user) -> Token:
    """The user's token, a new one when the old one has expired."""
    token = Token.objects.filter(user=user).first()
    if token is not None and token_is_expired(token):
        token.delete()
        token = None
    return token or Token.objects.create(user=user)


def token_revoke(*, user) -> int:
    """Delete the user's API token; answers how many were deleted (0 or 1)."""
    deleted, _rows = Token.objects.filter(user=user).delete()
    return deleted


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        # DRF's own check (unknown key or inactive user: 401), on the prepared read (issue 27).
        token = _TOKEN_WITH_USER.first(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Token API tidak valid."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Pengguna tidak aktif atau sudah dihapus."))
        if token_is_expired(token):
            raise exceptions.AuthenticationFailed(_("Token API sudah kedaluwarsa; masuk lagi untuk token baru."), code="token_expired")
        return token.user, token


def revoke_on_deactivation(sender, instance, created=False, raw=False, **kwargs):
    """post_save of a user: an inactive account keeps no API token (agencies.apps connects it)."""
    if not raw and not instance.is_active:
        token_revoke(user=instance)
