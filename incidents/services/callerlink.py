"""The caller's phone as a sensor (issue 24): a link texted during the call; the phone's browser sends GPS fixes
and photos through it. The chat (the page's and SMS) is incidents.services.callerchat.

A link belongs to a call (sent before the incident exists: where the caller is, is what the call-taker needs first)
or to an incident; when the call becomes an incident (or is linked to one as a duplicate) its links, fixes, photos and
messages follow it (`caller_conversation_attach`).

Tokens: 24 bytes (192 bits) of HMAC-SHA256 over a random salt (`secrets.token_urlsafe(32)`) keyed by the server's
secret, URL-safe, 32 characters. Only the salt and the token's SHA-256 are stored: a copy of the database yields no
live link, yet the same link can be texted again (a second send within a minute). A token is looked up by its hash
(an index lookup whose time does not depend on how much of a guess is right) and compared with
`hmac.compare_digest`. Unknown → 404 `link_not_found`; ended (revoked, expired, the incident closed or cancelled,
the call closed as a non-emergency) → 410 `link_ended`.

Lock order, as everywhere: the incident row first, then the link rows, then the timeline (record_event). Nothing that
holds a link lock asks for an incident lock afterwards.
"""
import base64
import hashlib
import hmac
import math
import re
import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.geo import in_indonesia, place_for_point
from agencies.models import User
from agencies.scoping import require_role, scope_for
from dispatch.errors import Conflict, Gone, IllegalTransition, NotFound, TooManyRequests, field_error
from incidents import events
from incidents.models import Call, CallerLink, CallerMessage, CallerPhoto, CallerPosition, Incident, Notification
from incidents.notifications import notification_queue
from incidents.photos import clean_photo
from incidents.services.common import clean_phone, ensure_centre_staff, lock_incident
from incidents.timeline import record_event

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
RESEND_WINDOW = timedelta(seconds=60)
MAX_PHOTOS_PER_LINK = 10
LINK_PATH = "/c/"
LOCATION_SOURCE = "caller_link"
# The link's SMS names the centre and says what the page is for. Always in Bahasa Indonesia, whatever language the
# call-taker's screen is in (it goes to a caller in Indonesia); the page it opens has the English switch.
SMS_TEXT = "%(centre)s: buka %(url)s untuk mengirim lokasi, foto dan pesan ke petugas 112. Berlaku sampai %(until)s."
_ZONE_ABBR = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


# ───────────────────────── tokens ─────────────────────────

def _token_key() -> bytes:
    return hashlib.sha256(b"dispatch112.caller-link:" + settings.SECRET_KEY.encode()).digest()


def link_token(salt: str) -> str:
    """The URL token of a link: 192 bits of HMAC-SHA256(server secret, salt), URL-safe base64 (32 characters)."""
    mac = hmac.new(_token_key(), salt.encode(), hashlib.sha256).digest()[:24]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(link: CallerLink, base_url: str) -> str:
    return base_url.rstrip("/") + LINK_PATH + link_token(link.token_salt)


def caller_link_lookup(token) -> CallerLink:
    """The link a token names, whatever its state; NotFound for anything else (a malformed token included)."""
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        raise NotFound(_("Tautan tidak dikenal."), code="link_not_found")
    digest = token_hash(token)
    link = CallerLink.objects.select_related("command_centre", "incident", "call").filter(token_hash=digest).first()
    if link is None or not hmac.compare_digest(link.token_hash, digest):
        raise NotFound(_("Tautan tidak dikenal."), code="link_not_found")
    return link


def link_end_cause(link: CallerLink, now=None) -> str | None:
    """Why the link no longer works (revoked, expired, incident_closed, …), or None while it is live."""
    now = now or timezone.now()
    if link.status == CallerLink.Status.REVOKED:
        return "revoked"
    if link.status == CallerLink.Status.EXPIRED or link.expires_at <= now:
        return "expired"
    incident = link.incident
    if link.status == CallerLink.Status.ENDED or (incident is not None and incident.status in Incident.TERMINAL_STATUSES):
        if incident is not None and incident.status == Incident.Status.CANCELLED:
            return "incident_cancelled"
        return "incident_closed" if incident is not None else "call_closed"
    call = link.call
    if incident is None and call is not None and call.status == Call.Status.ENDED and call.incident_id is None:
        return "call_closed"
    return None


def ensure_link_live(link: CallerLink, now=None):
    if link_end_cause(link, now) is not None:
        raise Gone(
            _("Tautan ini sudah tidak berlaku. Jika Anda masih dalam keadaan darurat, hubungi 112."), code="link_ended"
        )


def caller_link_live(token) -> CallerLink:
    """The live link a token names: 404 unknown, 410 ended."""
    link = caller_link_lookup(token)
    ensure_link_live(link)
    return link


# ───────────────────────── who and what ─────────────────────────

@dataclass
class Target:
    """What a link or a message belongs to: an incident, or a call not yet an incident."""

    centre_id: int
    incident: Incident | None = None
    call: Call | None = None


def record_caller_event(kind: str, *, target: Target, actor=None, payload: dict):
    """An incident's caller event goes to the incident's audience (staff only: the payload's caller_* key keeps
    communities out); a call's goes to its centre only, like every call event."""
    if target.incident is not None:
        return record_event(kind=kind, incident=target.incident, actor=actor, payload=payload)
    return record_event(kind=kind, actor=actor, payload=payload, centre_ids=[target.centre_id], agency_ids=[], community_ids=[])


def lock_call_for(actor, call_id) -> Call:
    scope = scope_for(actor)
    call = Call.objects.select_for_update(of=("self",)).filter(pk=call_id).first()
    if call is None or (not scope.is_global and call.command_centre_id not in scope.centre_ids):
        raise NotFound(_("Panggilan tidak ditemukan."), code="call_not_found")
    return call


def lock_target(actor, *, incident_id=None, call_id=None) -> Target:
    """Lock what a staff action is about (the incident, or the call) after checking the actor may act on it. A call
    already turned into an incident is the incident (its links followed it). Call inside transaction.atomic()."""
    require_role(actor, User.Role.CALL_TAKER, User.Role.SUPERVISOR)
    if incident_id is None:
        call = lock_call_for(actor, call_id)
        if call.incident_id is None:
            return Target(centre_id=call.command_centre_id, call=call)
        incident_id = call.incident_id
    incident = lock_incident(incident_id)
    ensure_centre_staff(actor, incident)
    return Target(centre_id=incident.command_centre_id, incident=incident)


def _ensure_target_open(target: Target):
    if target.incident is not None and target.incident.status in Incident.TERMINAL_STATUSES:
        raise IllegalTransition(
            entity=_("kejadian"), current=target.incident.status, target="caller_link",
            message=_("Kejadian %(ref)s sudah ditutup.") % {"ref": target.incident.reference}, code="incident_closed",
        )
    if target.incident is None and target.call.status == Call.Status.ENDED:
        raise IllegalTransition(
            entity=_("panggilan"), current=target.call.status, target="caller_link",
            message=_("Panggilan ini sudah ditutup."), code="call_closed",
        )


def _links_of(target: Target):
    if target.incident is not None:
        return CallerLink.objects.filter(incident=target.incident)
    return CallerLink.objects.filter(call=target.call, incident__isnull=True)


# ───────────────────────── send, re-send, revoke ─────────────────────────

def _until_text(link: CallerLink, centre) -> str:
    local = timezone.localtime(link.expires_at, timezone=_zone(centre.timezone))
    return f"{local:%H.%M} {_ZONE_ABBR.get(centre.timezone, '')}".strip()


def _zone(name):
    return zoneinfo.ZoneInfo(name or "Asia/Jakarta")


def sms_sender_name(centre) -> str:
    """How an SMS names the centre: "112 Kota Palangka Raya" (its name, with "112" in front when the name lacks it)."""
    return centre.name if centre.name.lstrip().startswith("112") else f"112 {centre.name}"


def _queue_sms(link: CallerLink, target: Target, url: str):
    centre = link.command_centre
    body = SMS_TEXT % {"centre": sms_sender_name(centre), "url": url, "until": _until_text(link, centre)}
    return notification_queue(
        channel=Notification.Channel.SMS, recipient=link.sent_to, body=body, incident=target.incident, reason="caller_link",
    )


def _baseline(target: Target) -> tuple[float | None, str]:
    """What the centre knew of the caller's whereabouts before the link: the incident's pin (a kelurahan centroid,
    a landmark, an AML fix) or, on a call, the handset's AML fix."""
    if target.incident is not None:
        return target.incident.location_accuracy_m, target.incident.location_source or ""
    if target.call.device_location is not None:
        return target.call.device_accuracy_m, "aml"
    return None, ""


def caller_link_send(*, actor, base_url: str, incident_id=None, call_id=None, number=None) -> tuple[CallerLink, bool, str]:
    """Text the caller a link. Returns (link, created, url). A second send to the same number within a minute of the
    last texts the same link again (a double press, or "I didn't get it") instead of making another."""
    with transaction.atomic():
        target = lock_target(actor, incident_id=incident_id, call_id=call_id)
        _ensure_target_open(target)
        default = target.incident.caller_number if target.incident is not None else target.call.caller_number
        number = clean_phone(number if number not in (None, "") else default, required=False)
        if not number:
            raise field_error("number", _("Nomor ponsel penelepon belum diketahui: isi nomornya."), code="required")
        now = timezone.now()
        recent = (
            _links_of(target).select_for_update(of=("self",))
            .filter(status=CallerLink.Status.ACTIVE, sent_to=number, last_sent_at__gte=now - RESEND_WINDOW, expires_at__gt=now)
            .order_by("-last_sent_at").first()
        )
        if recent is not None:
            recent.last_sent_at = now
            recent.send_count += 1
            recent.save(update_fields=["last_sent_at", "send_count"])
            link, created = recent, False
        else:
            centre = target.incident.command_centre if target.incident is not None else target.call.command_centre
            salt = secrets.token_urlsafe(32)
            accuracy, source = _baseline(target)
            link = CallerLink.objects.create(
                command_centre=centre, call=target.call if target.incident is None else None, incident=target.incident,
                sent_to=number, token_salt=salt, token_hash=token_hash(link_token(salt)), status=CallerLink.Status.ACTIVE,
                created_at=now, last_sent_at=now, expires_at=now + timedelta(minutes=centre.caller_link_ttl_minutes or 120),
                created_by=actor, baseline_accuracy_m=accuracy, baseline_source=source[:20],
            )
            created = True
        link.command_centre = target.incident.command_centre if target.incident is not None else target.call.command_centre
        url = link_url(link, base_url)
        _queue_sms(link, target, url)
        record_caller_event("caller.link_sent", target=target, actor=actor, payload=events.caller_link_sent(link=link, resent=not created))
    return link, created, url


def _end(link: CallerLink, *, target: Target, status, cause: str, actor=None, now=None):
    """One link's move to an ended state, with its event (incident audience or the call's centre)."""
    now = now or timezone.now()
    old = link.status
    if old == status:
        return
    link.status = status
    link.ended_at = now
    link.save(update_fields=["status", "ended_at"])
    record_caller_event("caller.link_ended", target=target, actor=actor, payload=events.caller_link_ended(link=link, old=old, cause=cause))


def caller_link_revoke(*, actor, link_id, incident_id=None, call_id=None) -> CallerLink:
    """A call-taker ends a link (sent to the wrong number, misused). Revoking an ended link changes nothing."""
    with transaction.atomic():
        target = lock_target(actor, incident_id=incident_id, call_id=call_id)
        link = _links_of(target).select_for_update(of=("self",)).filter(pk=link_id).first()
        if link is None:
            raise NotFound(_("Tautan tidak ditemukan."), code="link_not_found")
        if link.status == CallerLink.Status.ACTIVE:
            _end(link, target=target, status=CallerLink.Status.REVOKED, cause="revoked", actor=actor)
    return link


def caller_links_end_for_incident(*, incident: Incident, cause: str, actor=None, now=None) -> int:
    """The incident was closed or cancelled: its live links stop working. Called by incident_close/incident_cancel
    with the incident locked and before they write any event (the lock order: incident, links, timeline)."""
    links = list(incident.caller_links.select_for_update(of=("self",)).filter(status=CallerLink.Status.ACTIVE).order_by("pk"))
    target = Target(centre_id=incident.command_centre_id, incident=incident)
    for link in links:
        _end(link, target=target, status=CallerLink.Status.ENDED, cause=cause, actor=actor, now=now)
    return len(links)


def caller_conversation_attach(*, call: Call, incident: Incident) -> None:
    """The call became an incident (or a duplicate of one): its links, fixes, photos and messages follow it. Runs
    inside incident_create / call_link_duplicate with the call locked, before their event is written."""
    CallerLink.objects.filter(call=call, incident__isnull=True).update(incident=incident)
    CallerPosition.objects.filter(call=call, incident__isnull=True).update(incident=incident)
    CallerPhoto.objects.filter(call=call, incident__isnull=True).update(incident=incident)
    CallerMessage.objects.filter(call=call, incident__isnull=True).update(incident=incident)


# ───────────────────────── what the caller's phone sends ─────────────────────────

def lock_live_link(link_id) -> tuple[CallerLink, Target]:
    """Lock the link (the incident first when it has one) and re-check it is live. A call's link that became an
    incident's between the read and the lock is read again (rare: the lock order is never reversed)."""
    for _attempt in range(3):
        incident_id = CallerLink.objects.filter(pk=link_id).values_list("incident_id", flat=True).first()
        incident = lock_incident(incident_id) if incident_id else None
        link = CallerLink.objects.select_for_update(of=("self",)).select_related("call", "command_centre").get(pk=link_id)
        if link.incident_id != incident_id:
            continue
        link.incident = incident
        ensure_link_live(link)
        return link, Target(centre_id=link.command_centre_id, incident=incident, call=link.call)
    raise Conflict(_("Coba lagi."), code="retry")


def _finite(field, value, *, low=None, high=None, required=True):
    if value in (None, ""):
        if required:
            raise field_error(field, _("Kolom ini wajib diisi."), code="required")
        return None
    if isinstance(value, bool):
        raise field_error(field, _("Harus berupa angka."), code="invalid")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise field_error(field, _("Harus berupa angka."), code="invalid") from None
    if not math.isfinite(number):
        raise field_error(field, _("Harus berupa angka yang terhingga."), code="invalid")
    if (low is not None and number < low) or (high is not None and number > high):
        raise field_error(field, _("Di luar rentang yang sah."), code="out_of_range")
    return number


def caller_link_mark_opened(link: CallerLink) -> bool:
    """The caller's page spoke to us for the first time (its script ran: a link preview does not count)."""
    if link.opened_at is not None:
        return False
    with transaction.atomic():
        now = timezone.now()
        if not CallerLink.objects.filter(pk=link.pk, opened_at__isnull=True).update(opened_at=now):
            return False
        link.opened_at = now
        target = Target(centre_id=link.command_centre_id, incident=link.incident, call=link.call)
        record_caller_event("caller.link_opened", target=target, payload=events.caller_link_opened(link=link))
    return True


def caller_position_receive(*, token, lat, lon, accuracy_m, heading=None, speed=None) -> CallerPosition:
    """A fix from the caller's phone. Stored and shown; the incident stays where it is until someone adopts it."""
    lat = _finite("lat", lat, low=-90, high=90)
    lon = _finite("lon", lon, low=-180, high=180)
    accuracy_m = _finite("accuracy_m", accuracy_m, low=0, high=1_000_000)
    heading = _finite("heading", heading, low=0, high=360, required=False)
    speed = _finite("speed", speed, low=0, high=1000, required=False)
    link = caller_link_live(token)
    caller_link_mark_opened(link)
    with transaction.atomic():
        link, target = lock_live_link(link.pk)
        position = CallerPosition.objects.create(
            link=link, call=link.call, incident=target.incident, location=Point(lon, lat, srid=4326), accuracy_m=accuracy_m,
            heading=heading, speed=speed, received_at=timezone.now(),
        )
        record_caller_event("caller.position", target=target, payload=events.caller_position(position=position))
    return position


def caller_photo_receive(*, token, data: bytes) -> CallerPhoto:
    """A photo from the caller: re-encoded (incidents.photos) before anything is stored, at most ten per link."""
    link = caller_link_live(token)
    if link.photos.count() >= MAX_PHOTOS_PER_LINK:
        raise TooManyRequests(_("Sudah %(n)d foto terkirim lewat tautan ini; tidak bisa menambah lagi.") % {"n": MAX_PHOTOS_PER_LINK},
                              code="photo_limit")
    caller_link_mark_opened(link)
    photo = clean_photo(data)  # CPU work outside any lock or transaction
    stem = f"caller-photos/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"
    image_name = default_storage.save(f"{stem}.jpg", ContentFile(photo.image))
    thumb_name = default_storage.save(f"{stem}-thumb.jpg", ContentFile(photo.thumbnail))
    try:
        with transaction.atomic():
            link, target = lock_live_link(link.pk)
            if link.photos.count() >= MAX_PHOTOS_PER_LINK:
                raise TooManyRequests(_("Sudah %(n)d foto terkirim lewat tautan ini; tidak bisa menambah lagi.") % {"n": MAX_PHOTOS_PER_LINK},
                                      code="photo_limit")
            row = CallerPhoto.objects.create(
                link=link, call=link.call, incident=target.incident, image=image_name, thumbnail=thumb_name,
                width=photo.width, height=photo.height, size_bytes=len(photo.image), original_format=photo.original_format[:10],
                received_at=timezone.now(),
            )
            record_caller_event("caller.photo", target=target, payload=events.caller_photo(photo=row))
    except Exception:
        # nothing stored without its row: the files go when the row does not come
        for name in (image_name, thumb_name):
            default_storage.delete(name)
        raise
    return row


# ───────────────────────── adopting a fix ─────────────────────────

def caller_position_adopt(*, actor, incident_id, position_id) -> Incident:
    """Move the incident to the caller's fix: location, accuracy and `location_source = "caller_link"` change in one
    `incident.updated` event (which names the fix as `adopted_position`)."""
    with transaction.atomic():
        incident = lock_incident(incident_id)
        ensure_centre_staff(actor, incident)
        if incident.status in Incident.TERMINAL_STATUSES:
            raise IllegalTransition(entity=_("kejadian"), current=incident.status, target="updated")
        position = CallerPosition.objects.select_for_update(of=("self",)).filter(pk=position_id, incident=incident).first()
        if position is None:
            raise NotFound(_("Lokasi penelepon tidak ditemukan."), code="position_not_found")
        point = Point(position.location.x, position.location.y, srid=4326)
        if not in_indonesia(point):
            raise field_error(
                "location", _("Koordinat (%(lat).5f, %(lon).5f) berada di luar Indonesia.") % {"lat": point.y, "lon": point.x},
                code="outside_indonesia",
            )
        old_location = incident.location
        changes = {}
        if not old_location.equals_exact(point, tolerance=1e-9):
            changes["location"] = {"old": [old_location.x, old_location.y], "new": [point.x, point.y]}
        if incident.location_accuracy_m != position.accuracy_m:
            changes["location_accuracy_m"] = {"old": incident.location_accuracy_m, "new": position.accuracy_m}
        if incident.location_source != LOCATION_SOURCE:
            changes["location_source"] = {"old": incident.location_source, "new": LOCATION_SOURCE}
        now = timezone.now()
        if position.adopted_at is None:
            position.adopted_at, position.adopted_by = now, actor
            position.save(update_fields=["adopted_at", "adopted_by"])
        if not changes:
            return incident
        incident.location, incident.location_accuracy_m, incident.location_source = point, position.accuracy_m, LOCATION_SOURCE
        fields = ["location", "location_accuracy_m", "location_source", "updated_at"]
        if "location" in changes:
            place = place_for_point(point)
            incident.regency, incident.district, incident.village = place.regency, place.district, place.village
            fields += ["regency", "district", "village"]
        incident.save(update_fields=fields)
        payload = events.incident_updated(changes=changes)
        payload["adopted_position"] = position.pk
        record_event(kind="incident.updated", incident=incident, actor=actor, payload=payload)
    return incident


# ───────────────────────── timers: expiry, retention ─────────────────────────

def caller_links_expire_due(*, now=None, limit=500) -> int:
    """Record the end of links whose time ran out or whose call/incident ended (the API refuses them already; this
    writes the state and the event). Run by beat every minute; SKIP LOCKED so two sweepers share the work."""
    now = now or timezone.now()
    done = 0
    due = (
        Q(expires_at__lte=now)
        | Q(incident__status__in=sorted(Incident.TERMINAL_STATUSES))
        | Q(incident__isnull=True, call__status=Call.Status.ENDED, call__incident__isnull=True)
    )
    candidates = list(
        CallerLink.objects.filter(due, status=CallerLink.Status.ACTIVE)
        .select_related("incident", "call").order_by("expires_at")[:limit]
    )
    for candidate in candidates:
        cause = link_end_cause(candidate, now)
        if cause is None:
            continue
        with transaction.atomic():
            incident = lock_incident(candidate.incident_id) if candidate.incident_id else None
            link = (
                CallerLink.objects.select_for_update(of=("self",), skip_locked=True).select_related("call")
                .filter(pk=candidate.pk, status=CallerLink.Status.ACTIVE, incident_id=candidate.incident_id).first()
            )
            if link is None:
                continue
            link.incident = incident
            cause = link_end_cause(link, now)
            if cause is None:
                continue
            status = CallerLink.Status.EXPIRED if cause == "expired" else CallerLink.Status.ENDED
            _end(link, target=Target(centre_id=link.command_centre_id, incident=incident, call=link.call), status=status, cause=cause, now=now)
            done += 1
    return done


def caller_data_purge(*, now=None) -> dict:
    """The retention docs/privacy.md promises: photos (files and rows), fixes and chat rows of calls and incidents
    that ended more than CALLER_DATA_RETENTION_DAYS ago are deleted, the number a link was sent to is blanked, and
    the token is cut out of every link SMS already handed to the gateway. The timeline (the incident's audit record)
    keeps what its events carried: fixes and messages, never photos."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CALLER_DATA_RETENTION_DAYS)
    ended = (
        CallerLink.objects.exclude(status=CallerLink.Status.ACTIVE).filter(ended_at__lte=cutoff)
        | CallerLink.objects.filter(expires_at__lte=cutoff)
    )
    link_ids = list(ended.exclude(sent_to="").values_list("pk", flat=True)[:5000])
    photos = CallerPhoto.objects.filter(link_id__in=link_ids)
    removed_files = 0
    for image, thumb in photos.values_list("image", "thumbnail"):
        for name in (image, thumb):
            if name:
                default_storage.delete(name)
                removed_files += 1
    counts = {
        "photos": photos.delete()[0],
        "positions": CallerPosition.objects.filter(link_id__in=link_ids).delete()[0],
        "messages": CallerMessage.objects.filter(link_id__in=link_ids).delete()[0],
        "files": removed_files,
    }
    CallerLink.objects.filter(pk__in=link_ids).update(sent_to="")
    # SMS conversations (text-only calls): their rows go the same way, by the age of the call.
    old_sms = CallerMessage.objects.filter(channel=CallerMessage.Channel.SMS, link__isnull=True, at__lte=cutoff)
    old_sms = old_sms.filter(incident__isnull=True) | old_sms.filter(incident__status__in=sorted(Incident.TERMINAL_STATUSES))
    counts["messages"] += old_sms.delete()[0]
    counts["links"] = len(link_ids)
    counts["sms_redacted"] = redact_sent_link_sms()
    return counts


_URL_TOKEN = re.compile(re.escape(LINK_PATH) + r"[A-Za-z0-9_-]{22,64}")


def redact_sent_link_sms(limit=1000) -> int:
    """Once the gateway has a link's SMS, its stored copy loses the token (the outbox must not hold live links).
    A message still queued keeps it: the worker reads the body to send it."""
    done = 0
    rows = (
        Notification.objects.filter(reason="caller_link", body__contains=LINK_PATH)
        .exclude(status__in=[Notification.Status.QUEUED, Notification.Status.SENDING])
        .values_list("pk", "body")[:limit]
    )
    for pk, body in rows:
        redacted = _URL_TOKEN.sub(LINK_PATH + "…", body)
        if redacted != body:
            done += Notification.objects.filter(pk=pk).exclude(status__in=[Notification.Status.QUEUED, Notification.Status.SENDING]).update(body=redacted)
    return done
