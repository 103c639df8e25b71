"""Content-Security-Policy: the pages load scripts, styles and data only from this site (map tiles included: the
basemap and the optional raster proxy are same-origin, agencies/tiles.py), so an injected `<script>` or inline
handler does nothing even if escaping ever fails.

Django 5.2 has no CSP of its own; the policy here is one fixed header (no nonces: no page has inline script — JSON
data islands (`json_script`) are not executed — and the language switch and filters use `data-autosubmit`).
Styles allow 'unsafe-inline' because Leaflet positions its panes and markers with inline styles.
"""
import secrets
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings


def _tile_origins() -> list[str]:
    origins = []
    for layer in (getattr(settings, "LEAFLET_CONFIG", {}) or {}).get("TILES") or []:
        url = layer[1] if isinstance(layer, (list, tuple)) and len(layer) > 1 else ""
        parts = urlsplit(str(url).replace("{s}", "a"))
        if parts.scheme in ("http", "https") and parts.netloc:
            host = parts.netloc.replace("a.", "*.", 1) if "{s}" in str(url) else parts.netloc
            origins.append(f"{parts.scheme}://{host}")
    return sorted(set(origins))


# Built once per host, not on every response: the tile servers come from settings, which do not change at run time.
@lru_cache(maxsize=64)
def policy_for(host: str) -> str:
    images = " ".join(["'self'", "data:", "blob:", *_tile_origins()])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {images}",
            # the live socket is same-origin; older engines do not match ws(s) with 'self'
            f"connect-src 'self' ws://{host} wss://{host}",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


ADMIN_PREFIX = "/admin/"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        enabled = getattr(settings, "CONTENT_SECURITY_POLICY", False)
        # django-leaflet's admin map widgets write inline scripts and mark them with `request.csp_nonce`; only
        # admin pages get a nonce, so every other page keeps the plain no-inline-script policy.
        nonce = secrets.token_urlsafe(16) if enabled and request.path.startswith(ADMIN_PREFIX) else None
        if nonce:
            request.csp_nonce = nonce
        response = self.get_response(request)
        if enabled and "Content-Security-Policy" not in response:
            policy = policy_for(request.get_host())
            if nonce:
                policy = policy.replace("script-src 'self'", f"script-src 'self' 'nonce-{nonce}'", 1)
            response["Content-Security-Policy"] = policy
        return response

