"""Login throttling, in two layers, and what a refused login gets.

1. **The pair** (django-axes, settings.AXES_LOCKOUT_PARAMETERS): after AXES_FAILURE_LIMIT failures of one username
   from one address, that pair waits AXES_COOLOFF_TIME. A centre's call-takers share one NAT address, so one
   colleague's wrong password must not lock the whole room out: the pair, not the address.
2. **The username, from any address** (issue 28): an attacker with many addresses (or, before the proxy was fixed, a
   new `X-Forwarded-For` header each time) was never throttled by the pair alone. After LOGIN_USER_FAILURE_LIMIT
   failures of one username within LOGIN_USER_WINDOW, from wherever, that username waits a *short* lockout that
   doubles with each further failure, up to LOGIN_USER_MAX_LOCK: guessing slows to a few tries an hour, while the
   real user waits minutes, never the pair's quarter of an hour, and nobody else (a colleague at the same address)
   is touched. A success resets it. Attempts refused while locked are not counted (they would only extend it).

The client address is `REMOTE_ADDR`, which the ASGI server sets from the proxy's `X-Forwarded-For` only when the
request comes from the proxy itself (uvicorn `--forwarded-allow-ips`, docs/security.md): never a header a client
chose. Both layers count in the shared cache (Redis), so every web process sees the same numbers.

`lockout_response` (django-axes' AXES_LOCKOUT_CALLABLE): 429 with Retry-After, in the one error shape on the API
and as the login page with a clear message on the form.
"""
import hashlib
import math
import time

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def client_ip(request) -> str | None:
    """django-axes' AXES_CLIENT_IP_CALLABLE: the address the ASGI server resolved (a trusted proxy's
    X-Forwarded-For, else the peer) — never a forwarding header read here."""
    return request.META.get("REMOTE_ADDR")


# ───────────── per username, from any address ─────────────
def _key(kind: str, username) -> str:
    digest = hashlib.sha256(str(username or "").strip().lower().encode()).hexdigest()[:32]
    return f"login-user-{kind}:{digest}"


def username_locked_for(username) -> int:
    """Seconds the username must still wait (0 when it may try)."""
    if not username:
        return 0
    until = cache.get(_key("lock", username))
    return max(0, math.ceil(until - time.time())) if until else 0


def _record_failure(username) -> int:
    """Count one failure; returns the seconds of the lockout it started (0 when none)."""
    limit = settings.LOGIN_USER_FAILURE_LIMIT
    window = int(settings.LOGIN_USER_WINDOW.total_seconds())
    key = _key("fail", username)
    if cache.add(key, 1, timeout=window):
        failures = 1
    else:
        try:
            failures = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window)
            failures = 1
    if failures < limit:
        return 0
    seconds = min(settings.LOGIN_USER_LOCK.total_seconds() * 2 ** min(failures - limit, 20), settings.LOGIN_USER_MAX_LOCK.total_seconds())
    cache.set(_key("lock", username), time.time() + seconds, timeout=math.ceil(seconds) + 1)
    return math.ceil(seconds)


def reset_username(username) -> None:
    cache.delete_many([_key("fail", username), _key("lock", username)])


class UsernameThrottleBackend:
    """Between django-axes' backend and the password check (AUTHENTICATION_BACKENDS): refuses a username in its
    short lockout before its password is checked, marking the request the way django-axes does, so its middleware
    answers with `lockout_response` (429). An attempt it lets through is marked as checked: only those count."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not getattr(settings, "AXES_ENABLED", True) or request is None:
            return None
        seconds = username_locked_for(username)
        if seconds:
            request.axes_locked_out = True
            request.login_retry_after = seconds
            raise DjangoPermissionDenied("username temporarily locked")
        request.login_password_checked = True
        return None
    # no get_user: it never authenticates anyone, and force_login()/sessions must skip it for the model backend


@receiver(user_login_failed)
def _count_username_failure(sender, credentials, request=None, **kwargs):
    # only a password that was really checked: not one refused by a lockout (either layer) before the check
    if not getattr(settings, "AXES_ENABLED", True) or request is None or not getattr(request, "login_password_checked", False):
        return
    username = (credentials or {}).get("username")
    if username:
        seconds = _record_failure(username)
        if seconds and not getattr(request, "axes_locked_out", False):
            # the failure that starts the lockout already answers 429, as django-axes' own does
            request.axes_locked_out = True
            request.login_retry_after = seconds


@receiver(user_logged_in)
def _reset_username_on_success(sender, request=None, user=None, **kwargs):
    if user is not None and getattr(settings, "AXES_ENABLED", True):
        reset_username(user.get_username())


# ───────────── the answer ─────────────
def lockout_response(request, original_response=None, credentials=None):
    seconds = getattr(request, "login_retry_after", None)
    if not seconds:
        cool_off = get_cool_off(request)
        seconds = max(1, int(cool_off.total_seconds())) if cool_off else 900
    if seconds < 60:
        message = _("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(s)d detik.") % {"s": seconds}
    else:
        message = _("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(min)d menit.") % {"min": max(1, round(seconds / 60))}
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": {"code": "too_many_attempts", "message": message, "fields": {}}}, status=429)
    else:
        response = render(request, "registration/login.html", {"lockout_message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response
