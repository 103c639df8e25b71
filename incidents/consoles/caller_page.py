"""The caller's page (issue 24): what the link texted during a call opens, on the caller's own phone, without login.

Made for a cheap Android phone on 2G: one HTML document with its styles inline and one small script
(static/js/caller/page.js), ≤ 50 kB on the wire together (tests/callerlink/test_caller_page_browser.py measures it),
nothing from another host, no cookie. Every word is rendered here in the page's language (Bahasa Indonesia; English
by the switch or the phone's language), the script's words included (a JSON island): no catalogue to download.
The page names the centre and nothing else about the incident.
"""
import zoneinfo

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from rest_framework.throttling import SimpleRateThrottle

from dispatch.errors import NotFound
from incidents.services.callerlink import caller_link_lookup, link_end_cause
from incidents.services.callerchat import MAX_TEXT

# How long the page keeps sending fixes after the caller pressed the button (a moving caller, a fix that improves).
WATCH_MINUTES = 5
_ZONE_ABBR = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


class PageAddressThrottle(SimpleRateThrottle):
    """Opening pages by guessing tokens: at most this many page loads per address."""

    scope, rate = "caller_page", "120/min"

    def get_cache_key(self, request, view):
        return f"throttle_caller_page_{self.get_ident(request)}"


def _strings() -> dict:
    """The script's words, in the page's language."""
    return {
        "locating": _("Mencari lokasi Anda… Tetap di tempat terbuka bila bisa."),
        "sent": _("Lokasi terkirim: akurasi ±%(m)s m, pukul %(t)s."),
        "watching": _("Lokasi Anda terus dikirim selama %(n)s menit lagi."),
        "watch_done": _("Pengiriman lokasi selesai. Tekan tombol lagi bila Anda berpindah tempat."),
        "denied": _("Izin lokasi ditolak."),
        "denied_how": _(
            "Cara mengizinkan: ketuk ikon gembok di samping alamat situs ini, pilih Izin → Lokasi → Izinkan, lalu tekan "
            "tombol lagi. Pastikan juga Lokasi menyala di Setelan ponsel."
        ),
        "voice": _("Petugas 112 tetap bisa membantu Anda lewat telepon: sebutkan nama jalan atau patokan di dekat Anda."),
        "unavailable": _("Lokasi belum bisa didapat. Coba di tempat terbuka, atau nyalakan Lokasi di Setelan ponsel."),
        "unsupported": _("Ponsel ini tidak dapat membagikan lokasi lewat browser."),
        "retrying": _("Sinyal lemah: mencoba mengirim lagi…"),
        "ended": _("Tautan ini sudah tidak berlaku. Jika Anda masih dalam keadaan darurat, telepon 112."),
        "photo_sending": _("Mengirim foto… %(p)s%%"),
        "photo_sent": _("Foto terkirim. Terima kasih."),
        "photo_failed": _("Foto gagal dikirim."),
        "photo_too_big": _("Foto terlalu besar (paling besar 10 MB)."),
        "message_failed": _("Pesan gagal dikirim. Coba lagi."),
        "you": _("Anda"),
        "centre": _("Petugas 112"),
        "too_long": _("Pesan terlalu panjang."),
    }


def _ended_page(request, *, status, heading, message):
    response = render(request, "caller/ended.html", {"heading": heading, "message": message}, status=status)
    return _private(response)


def _private(response):
    # The token is in the URL: no cache keeps the page, no Referer carries it, no search engine lists it.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
def caller_page(request, token):
    throttle = PageAddressThrottle()
    if not throttle.allow_request(request, None):
        return _ended_page(request, status=429, heading=_("Terlalu sering"), message=_("Tunggu sebentar, lalu buka tautan lagi."))
    try:
        link = caller_link_lookup(token)
    except NotFound:
        return _ended_page(
            request, status=404, heading=_("Tautan tidak dikenal"),
            message=_("Periksa lagi tautan dalam SMS dari 112. Jika Anda dalam keadaan darurat, telepon 112."),
        )
    if link_end_cause(link) is not None:
        return _ended_page(request, status=410, heading=_("Tautan sudah tidak berlaku"), message=_strings()["ended"])
    centre = link.command_centre
    local = link.expires_at.astimezone(zoneinfo.ZoneInfo(centre.timezone or "Asia/Jakarta"))
    lang = (get_language() or "id")[:2]
    config = {
        "api": {
            "positions": reverse("api-caller-link-positions", kwargs={"token": token}),
            "photos": reverse("api-caller-link-photos", kwargs={"token": token}),
            "messages": reverse("api-caller-link-messages", kwargs={"token": token}),
        },
        "watchMinutes": WATCH_MINUTES,
        "maxText": MAX_TEXT,
        "lang": lang,
        "strings": _strings(),
    }
    context = {
        "centre_name": centre.name,
        "until": f"{local:%H.%M} {_ZONE_ABBR.get(centre.timezone, '')}".strip(),
        "config": config,
        "lang": lang,
        "other_lang": "en" if lang == "id" else "id",
        "max_text": MAX_TEXT,
    }
    return _private(render(request, "caller/page.html", context))
