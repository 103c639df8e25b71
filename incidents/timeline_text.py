"""Timeline events as people read them: a label per kind and a one-line summary of the payload, in the page's
language, with times in the incident's centre zone. The admin shows these instead of raw JSON; the payloads
themselves stay as incidents.events builds them (the audit record), this only reads them."""
import zoneinfo
from datetime import datetime

from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from agencies.geo import coordinates_text
from agencies.models import TimeZoneName, Unit
from incidents.cardiac import STEP_LABELS
from incidents.models import Assignment, Call, CardiacArrest, Incident

# Every kind of incidents.events.EVENT_KINDS (tests/core/test_admin_i18n.py keeps the two equal).
KIND_LABELS = {
    "incident.created": _("Kejadian dicatat"),
    "incident.updated": _("Data kejadian dikoreksi"),
    "incident.status_changed": _("Status kejadian berubah"),
    "incident.duplicate_linked": _("Penelepon lain melaporkan kejadian yang sama"),
    "incident.imported": _("Diterima dari sistem lain (EIDO)"),
    "incident.eido_updated": _("Pembaruan dari sistem lain (EIDO)"),
    "assignment.offered": _("Ditawarkan ke instansi"),
    "assignment.accepted": _("Instansi menerima"),
    "assignment.declined": _("Instansi menolak"),
    "assignment.handed_off": _("Dialihkan ke instansi lain"),
    "assignment.completed": _("Instansi selesai menangani"),
    "assignment.expired": _("Batas konfirmasi lewat"),
    "assignment.cancelled": _("Penugasan ditarik"),
    "unit.status_changed": _("Status unit berubah"),
    "unit.position": _("Posisi unit"),
    "call.ringing": _("Panggilan masuk"),
    "call.answered": _("Panggilan dijawab"),
    "call.closed": _("Panggilan ditutup"),
    "call.reopened": _("Panggilan dibuka kembali"),
    "call.location": _("Lokasi perangkat penelepon"),
    "alert.raised": _("Peringatan supervisor"),
    "alert.acknowledged": _("Peringatan dikonfirmasi"),
    "callout.sent": _("Relawan dipanggil"),
    "callout.accepted": _("Relawan bersedia datang"),
    "callout.declined": _("Relawan tidak bisa"),
    "callout.filled": _("Panggilan relawan terpenuhi"),
    "callout.expired": _("Panggilan relawan lewat batas"),
    "callout.status": _("Kemajuan relawan"),
    "callout.cancelled": _("Panggilan relawan dibatalkan"),
    "caller.link_sent": _("Tautan lokasi dikirim ke penelepon"),
    "caller.link_opened": _("Penelepon membuka tautan"),
    "caller.link_ended": _("Tautan penelepon berakhir"),
    "caller.position": _("Lokasi dari ponsel penelepon"),
    "caller.photo": _("Foto dari penelepon"),
    "caller.message": _("Pesan penelepon"),
    "callout.ended": _("Panggilan relawan berakhir: kejadian selesai"),
    "callout.none_available": _("Tidak ada relawan yang dapat dipanggil"),
    "cardiac_arrest.recognised": _("Dugaan henti jantung"),
    "cardiac_arrest.step": _("Langkah RJP"),
}

# How a suspected arrest was recognised (incidents.models.CardiacArrest.Recognition) and how CPR ended (.Outcome).
_RECOGNITION_LABELS = {
    "answers": _("dari jawaban: tidak sadar, tidak bernapas normal"),
    "flagged": _("ditandai petugas"),
}

# Why a caller link stopped working (incidents.events.caller_link_ended's `cause`).
_LINK_END_CAUSES = {
    "revoked": _("dicabut petugas"),
    "expired": _("masa berlaku habis"),
    "incident_closed": _("kejadian ditutup"),
    "incident_cancelled": _("kejadian dibatalkan"),
    "call_closed": _("panggilan ditutup"),
}

# A volunteer's progress (volunteers.models.CallOutResponse.Status; incidents does not import volunteers' models):
# the same msgids, so one translation serves both.
_RESPONSE_LABELS = {
    "pending": _("Belum menjawab"),
    "accepted": _("Bersedia datang"),
    "declined": _("Tidak bisa"),
    "en_route": _("Menuju lokasi"),
    "on_scene": _("Di lokasi"),
    "done": _("Selesai"),
    "stood_down": _("Tidak diperlukan"),
}

_ZONE_ABBR = {TimeZoneName.WIB: "WIB", TimeZoneName.WITA: "WITA", TimeZoneName.WIT: "WIT"}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def local_time(at: datetime, tzname: str | None) -> str:
    """`12 Des. 2026 08.15.02 WITA`: the moment in the centre's zone, with the zone's Indonesian abbreviation."""
    tzname = tzname or TimeZoneName.WIB
    local = at.astimezone(zoneinfo.ZoneInfo(tzname))
    clock = local.strftime("%H.%M.%S" if (get_language() or "id").startswith("id") else "%H:%M:%S")  # 08.15.02 in Indonesian
    return f"{formats.date_format(local, 'DATE_FORMAT')} {clock} {_ZONE_ABBR.get(tzname, tzname)}"


def _choice(choices, value) -> str:
    """The label of a stored status; a value no longer listed shows as stored (history outlives choices)."""
    if value in (None, ""):
        return "—"
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _move(choices, payload) -> str:
    return f"{_choice(choices, payload.get('old'))} → {_choice(choices, payload.get('new'))}"


def _field_name(name: str) -> str:
    try:
        return str(Incident._meta.get_field(name).verbose_name)
    except Exception:  # a field since removed: its stored name is still the truth
        return name


def _callout(payload) -> str:
    c = payload.get("callout") or {}
    if not isinstance(c, dict):
        return ""
    parts = [c.get("community_name") or _t("relawan terdekat")]
    if c.get("needed") is not None:
        parts.append(_t("%(accepted)s dari %(needed)s bersedia") % {"accepted": c.get("accepted", 0), "needed": c["needed"]})
    return ", ".join(str(p) for p in parts if p)


def _caller(kind, p) -> str:
    if kind in ("caller.link_sent", "caller.link_opened", "caller.link_ended"):
        link = p.get("caller_link") or {}
        bits = [link.get("sent_to") or ""]
        if kind == "caller.link_sent" and p.get("resent"):
            bits.append(_t("dikirim ulang"))
        if kind == "caller.link_ended":
            bits.append(str(_LINK_END_CAUSES.get(p.get("cause"), p.get("cause") or "")))
        return " · ".join(b for b in bits if b)
    if kind == "caller.position":
        fix = p.get("caller_position") or {}
        if fix.get("lat") is None:
            return ""
        return _t("%(lat)s, %(lon)s, akurasi %(m)s m") % {
            "lat": formats.number_format(fix["lat"], 5), "lon": formats.number_format(fix["lon"], 5),
            "m": formats.number_format(fix.get("accuracy_m") or 0, 0),
        }
    if kind == "caller.photo":
        photo = p.get("caller_photo") or {}
        return f"{photo.get('width', '?')} × {photo.get('height', '?')}"
    if kind == "caller.message":
        message = p.get("caller_message") or {}
        who = _t("penelepon") if message.get("direction") == "in" else (message.get("by_name") or _t("petugas"))
        return f"{who}: {message.get('text', '')[:120]}"
    return ""


def summary(kind: str, payload: dict) -> str:
    """One readable line for an event; what a kind does not carry is left out, nothing is invented."""
    p = payload or {}
    parts: list[str] = []
    a = p.get("assignment") if isinstance(p.get("assignment"), dict) else None
    if kind == "incident.created":
        parts.append(_t("dari panggilan") if p.get("call") else _t("tanpa panggilan (dicatat langsung)"))
    elif kind == "incident.updated":
        changes = p.get("changes") or {}
        parts.append(_t("diubah: %(fields)s") % {"fields": ", ".join(_field_name(k) for k in changes)})
    elif kind == "incident.status_changed":
        parts.append(_move(Incident.Status, p))
        auto = p.get("auto_close") if isinstance(p.get("auto_close"), dict) else None
        if auto:
            parts.append(_t("ditutup otomatis oleh sistem, %(min)s menit setelah tertangani") % {"min": auto.get("after_min", "?")})
    elif kind == "incident.duplicate_linked":
        count = p.get("caller_count") or {}
        parts.append(_t("jumlah pelapor %(old)s → %(new)s") % {"old": count.get("old", "?"), "new": count.get("new", "?")})
    elif kind in ("incident.imported", "incident.eido_updated"):
        parts.append(_t("dari %(sender)s") % {"sender": p.get("sender") or "?"})
    elif kind.startswith("assignment."):
        if a:
            parts.append(a.get("agency_name") or "")
        if kind == "assignment.offered" and a:
            parts.append(_t("tahap eskalasi %(n)s") % {"n": a.get("escalation_stage", 0)} if a.get("escalation_stage") else "")
        elif "new" in p:
            parts.append(_move(Assignment.Status, p))
        if kind == "assignment.expired" and p.get("late_by_ms") is not None:
            parts.append(_t("terlambat %(s)s detik") % {"s": formats.number_format(p["late_by_ms"] / 1000, 1)})
    elif kind == "unit.status_changed":
        parts.append(f"{p.get('call_sign', '?')}: {_move(Unit.Status, p)}")
    elif kind == "unit.position":
        lon, lat = (p.get("position") or [None, None])[:2]
        parts.append(p.get("call_sign") or "")
        if lat is not None:
            parts.append(coordinates_text(lat, lon))
    elif kind.startswith("call."):
        call = p.get("call") or {}
        parts.append(call.get("caller_number") or "")
        if kind == "call.closed":
            parts.append(_choice(Call.Disposition, call.get("disposition")))
        if kind == "call.reopened" and p.get("old_disposition"):
            parts.append(_t("klasifikasi %(d)s dibatalkan") % {"d": _choice(Call.Disposition, p["old_disposition"])})
        if kind == "call.location" and p.get("accuracy_m") is not None:
            parts.append(_t("akurasi %(m)s m") % {"m": formats.number_format(p["accuracy_m"], 0)})
    elif kind == "alert.raised":
        parts.append(" ".join(str(row.get("message", "")) for row in p.get("alerts") or [] if isinstance(row, dict)))
    elif kind == "alert.acknowledged":
        count = len(p.get("alerts") or []) or 1
        parts.append(_t("%(n)s peringatan ditandai sudah ditangani") % {"n": count})
    elif kind == "cardiac_arrest.recognised":
        parts.append(str(_RECOGNITION_LABELS.get(p.get("recognition"), p.get("recognition") or "")))
    elif kind == "cardiac_arrest.step":
        parts.append(str(STEP_LABELS.get(p.get("step"), p.get("step") or "")))
        if p.get("outcome"):
            parts.append(_choice(CardiacArrest.Outcome, p["outcome"]))
        if p.get("out_of_order"):
            parts.append(_t("sebelum: %(steps)s") % {"steps": ", ".join(str(STEP_LABELS.get(s, s)) for s in p["out_of_order"])})
    elif kind == "callout.none_available":
        parts.append(_t("pengambil AED") if p.get("role") == "aed_runner" else _t("relawan RJP"))
        if p.get("radius_m"):
            parts.append(_t("radius %(m)s m") % {"m": p["radius_m"]})
    elif kind.startswith("callout."):
        parts.append(_callout(p))
        response = p.get("response") if isinstance(p.get("response"), dict) else None
        if response:
            parts.append(response.get("volunteer_name") or "")
        if kind == "callout.status":
            old, new = p.get("old"), p.get("new")
            parts.append(f"{_RESPONSE_LABELS.get(old, old or '—')} → {_RESPONSE_LABELS.get(new, new or '—')}")
    elif kind.startswith("caller."):
        parts.append(_caller(kind, p))
    if p.get("reason") and isinstance(p["reason"], str):
        parts.append(_t("alasan: %(r)s") % {"r": p["reason"]})
    if p.get("note") and isinstance(p["note"], str):
        parts.append(_t("catatan: %(n)s") % {"n": p["note"]})
    return " · ".join(str(x) for x in parts if x)
