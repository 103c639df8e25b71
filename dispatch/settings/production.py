"""Production: secrets are mandatory and unsafe combinations refuse to start."""
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY.startswith("insecure") or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a random value of at least 32 characters.")

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
_LOCAL = {"127.0.0.1", "localhost", "::1"}
if DEBUG and any(host not in _LOCAL for host in ALLOWED_HOSTS):
    raise ImproperlyConfigured("DEBUG=True is refused when DJANGO_ALLOWED_HOSTS names a public host.")
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS='*' is refused in production.")

SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True

# HTTPS only: redirect plain HTTP (except the load balancer's /healthz), and tell browsers to stay on HTTPS.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# Trust X-Forwarded-Proto only behind a proxy that sets it (and strips a client's own): otherwise any client could
# claim HTTPS and get secure cookies over plain HTTP.
if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
else:
    SECURE_PROXY_SSL_HEADER = None
CONTENT_SECURITY_POLICY = env.bool("CSP_ENABLED", default=True)

# No development default may reach production: a password-less superuser database URL, Redis without a
# password, the demo password.
_DATABASE_URL = env("DATABASE_URL", default="")
if not _DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL must be set in production.")
_db = DATABASES["default"]  # noqa: F405
if not _db.get("PASSWORD") or _db.get("USER") in ("", "postgres"):
    raise ImproperlyConfigured("DATABASE_URL must name the application's own database role with a password (not postgres).")
_REDIS_URL = env("REDIS_URL", default="")
if not _REDIS_URL or "@" not in _REDIS_URL.split("//", 1)[-1]:
    raise ImproperlyConfigured("REDIS_URL must be set with a password in production (redis://:<password>@host:6379/0).")
# Gateway secrets (issue 28): a short one is guessed; each one set must be long and random (≥ 32 characters).
from .base import AML_GATEWAYS, AML_SHARED_SECRET, GATEWAY_SECRET_MIN_LENGTH, HEALTH_TOKEN, VOLUNTEER_SMS_SECRET  # noqa: E402

for _name, _secret in [("AML_SHARED_SECRET", AML_SHARED_SECRET), ("VOLUNTEER_SMS_SECRET", VOLUNTEER_SMS_SECRET),
                       ("HEALTH_TOKEN", HEALTH_TOKEN)] + [("a key of AML_GATEWAYS", key) for key in (AML_GATEWAYS or {})]:
    if _secret and len(str(_secret)) < GATEWAY_SECRET_MIN_LENGTH:
        raise ImproperlyConfigured(f"{_name} must be at least {GATEWAY_SECRET_MIN_LENGTH} random characters in production.")

# The origins a browser form may post from: no development default in production (as DJANGO_ALLOWED_HOSTS).
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
if not CSRF_TRUSTED_ORIGINS:
    raise ImproperlyConfigured("CSRF_TRUSTED_ORIGINS must be set in production (e.g. https://112.example.go.id).")
if any(origin.startswith("http://") and not origin.startswith(("http://127.0.0.1", "http://localhost")) for origin in CSRF_TRUSTED_ORIGINS):
    raise ImproperlyConfigured("CSRF_TRUSTED_ORIGINS must use https:// in production.")

if env("DEMO_PASSWORD", default="") == "demo112":
    raise ImproperlyConfigured("DEMO_PASSWORD must not be the demo default in production (or leave it unset).")
DEMO_PASSWORD = env("DEMO_PASSWORD", default="")
