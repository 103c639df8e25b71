"""Interoperability workflows: EIDO import from another CAD, public CAP alerts, AML handset locations.

House style: keyword-only services, lock before changing state, one timeline event per real change,
side effects after commit. Inbound callbacks (EIDO posts, AML reports) are idempotent by the sender's id.
"""
import hashlib
import json
import logging
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from agencies.geo import in_indonesia
from agencies.models import CommandCentre, Region, User
from agencies.scoping import require_role, scope_for
from dispatch.errors import Conflict, ValidationFailed
from incidents import events
from incidents.interop import eido as eido_format
from incidents.interop.aml import normalise_fields
from incidents.interop.validate import validate_eido
from incidents.models import AmlReport, Call, Incident, IncidentCategory, TimelineEvent
from incidents.phone import caller_lookup
from incidents.services.common import PHONE_RE, lock_incident
from incidents.services.incidents import incident_create, incident_update, unclassified_category
from incidents.timeline import record_event

logger = logging.getLogger(__name__)

MAX_VIOLATIONS_SHOWN = 50


# --- EIDO import ----------------------------------------------------------------------------------

def _category_for(data) -> IncidentCategory:
    """Our code when the sender is a CAD of the same family, else its name, else the IANA sos service; a document
    without an incident type (NENA's own call-transfer sample) or with one we cannot map is imported as
    "perlu diklasifikasi" — a transfer must never bounce; the consoles flag it until someone sets the category."""
    active = IncidentCategory.objects.filter(is_active=True)
    if data["category_code"]:
        found = active.filter(code=data["category_code"][:40]).first()
        if found:
            return found
    if data["category_text"]:
        found = active.filter(Q(name_id__iexact=data["category_text"]) | Q(name_en__iexact=data["category_text"])).first()
        if found:
            return found
    sos = data["sos_type"].lower()
    for category in active.order_by("code"):
        # the bare "sos" says "an emergency", not which: it names no category
        if sos and sos != "sos" and eido_format.sos_type_for(category) == sos:
            return category
    return unclassified_category()


def _existing_import(tracking_id, actor) -> Incident | None:
    """The incident this tracking id already names here: one we imported before, or our own coming back."""
    scope = scope_for(actor)
    found = Incident.objects.filter(external_tracking_id=tracking_id).first()
    if found is None:
        parsed = eido_format.parse_tracking_id(tracking_id)
        if parsed:
            reference, domain = parsed
            found = (
                Incident.objects.filter(reference=reference, external_tracking_id__isnull=True)
                .select_related("command_centre")
                .first()
            )
            if found is not None and eido_format.centre_domain(found.command_centre) != domain:
                found = None
            # Our own incident sent back to us by a neighbour is only "the same" for its own centre.
            if found is not None and not (scope.is_global or found.command_centre_id in scope.centre_ids):
                found = None
    if found is not None and not (scope.is_global or found.command_centre_id in scope.centre_ids):
        raise Conflict(
            _("Kejadian dengan ID pelacakan ini sudah diterima oleh pusat panggilan lain."),
            code="eido_held_by_other_centre",
        )
    return found


def incident_import_eido(*, document, actor, command_centre_id=None) -> tuple[Incident, bool]:
    """Create an incident of the actor's centre from an EIDO sent by another CAD.

    Returns (incident, created). A document whose tracking identifier we already hold answers the
    existing incident, never a second one. An invalid document raises ValidationFailed listing every
    schema violation, and nothing is stored."""
    require_role(actor, User.Role.CALL_TAKER, User.Role.SUPERVISOR)
    violations = validate_eido(document)
    if violations:
        shown = violations[:MAX_VIOLATIONS_SHOWN]
        if len(violations) > len(shown):
            shown.append(_("… dan %(n)d pelanggaran lain") % {"n": len(violations) - len(shown)})
        raise ValidationFailed(
            _("Dokumen EIDO tidak sesuai skema NENA-STA-021 (%(n)d pelanggaran).") % {"n": len(violations)},
            code="eido_invalid",
            fields={"document": shown},
        )
    try:
        data = eido_format.eido_to_incident_data(document)
    except eido_format.EidoProblem as problem:
        raise ValidationFailed(problem.message, code="eido_incomplete", fields={problem.field: [problem.message]}) from None
    tracking = data["tracking_id"][:255]
    if not tracking:
        raise ValidationFailed(_("EIDO tanpa ID pelacakan ($id)."), code="eido_incomplete", fields={"$id": [_("Wajib diisi.")]})

    existing = _existing_import(tracking, actor)
    if existing is not None:
        if existing.external_tracking_id == tracking:
            # We imported it from its sender: a newer version of the document carries the sender's changes.
            _apply_sender_update(existing, data, document, actor)
            existing.refresh_from_db()
        return existing, False

    category = _category_for(data)
    location, location_source, civic_region = _import_location(data, actor, command_centre_id)
    digest = _document_digest(document)
    links = _resolve_links(data["links"]) if data["links"] else []
    merges = _resolve_links(data["merges"]) if data["merges"] else []
    try:
        with transaction.atomic():
            incident, _created = incident_create(
                actor=actor,
                category=category.code,
                location=location,
                priority=data["priority"],
                address=data["address"],
                location_accuracy_m=_valid_accuracy(data["accuracy_m"]) if data["lat"] is not None else None,
                location_source=location_source,
                description=data["description"],
                caller_number=_phone_or_blank(data["caller_number"]),
                caller_name=data["caller_name"],
                command_centre_id=command_centre_id,
                # A neighbour hands over what happens on our side of the border, or what its caller reported:
                # the outside-area flag is still stored, but an import is never refused for it.
                allow_outside_service_area=True,
                external_tracking_id=tracking,
            )
            _record_civic_place(incident, civic_region, positioned=data["lat"] is not None)
            record_event(
                kind="incident.imported",
                incident=incident,
                actor=actor,
                payload=events.incident_imported(
                    tracking_id=tracking,
                    sender=data["sender_agency"],
                    sender_reference=data["sender_internal_id"],
                    sender_updated=data["updated"],
                    incident_type=data["sos_type"],
                    sender_type=(data["category_code"] or data["category_text"] or ""),
                    unclassified=category.code == IncidentCategory.UNCLASSIFIED,
                    links=links,
                    merges=merges,
                    sha256=digest,
                    sent=_sent_fields(data),
                ),
            )
    except IntegrityError:
        # The same tracking id raced in from a concurrent post: the first one won.
        existing = _existing_import(tracking, actor)
        if existing is not None:
            return existing, False
        raise
    return incident, True


def _document_digest(document) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _valid_accuracy(value):
    return value if value is not None and 0 <= value <= 100_000 else None


LOCATION_TO_CONFIRM = Incident.LOCATION_TO_CONFIRM

_REGION_PREFIXES = re.compile(r"^(kota|kabupaten|kab\.?|kecamatan|kec\.?|kelurahan|kel\.?|desa|provinsi|prov\.?)\s+", re.I)


def _import_location(data, actor, command_centre_id) -> tuple[Point, str, Region | None]:
    """Where an imported incident goes on the map, and the Kemendagri region its civic address names (or None).

    The position wins when there is one; else the most specific named region that has a point, else the receiving
    centre itself — the last two marked LOCATION_TO_CONFIRM, so the console asks the call-taker for a pin."""
    centre = CommandCentre.objects.filter(pk=command_centre_id).first() if command_centre_id else actor.command_centre
    region = civic_region(data.get("civic") or {}, province_code=centre.province_id if centre is not None else None)
    if data["lat"] is not None and data["lon"] is not None:
        return Point(data["lon"], data["lat"], srid=4326), "eido", region
    walk = region
    while walk is not None:
        point = _region_point(walk) if (walk.centroid is not None or walk.boundary is not None) else None
        if point is not None and in_indonesia(point):
            return point, LOCATION_TO_CONFIRM, region
        walk = walk.parent
    placed = Q(centroid__isnull=False) | Q(boundary__isnull=False)
    if centre is not None:
        if centre.location is not None:
            return centre.location, LOCATION_TO_CONFIRM, region
        point = _region_point(centre.regions.filter(placed).order_by("code").first())
        if point is not None:
            return point, LOCATION_TO_CONFIRM, region
    raise ValidationFailed(
        _("Lokasi EIDO hanya berupa alamat dan pusat panggilan penerima tidak punya titik acuan; kirim dengan koordinat."),
        code="eido_incomplete",
        fields={"locationComponent": [_("Alamat tanpa koordinat tidak dapat dipetakan.")]},
    )


CIVIC_LEVELS = ("A1", "A2", "A3", "A4", "A5", "A6")


def civic_region(civic: dict, *, province_code=None) -> Region | None:
    """The finest Kemendagri region a civic address (RFC 5139: A1 province … A4 village) names, matched by name from
    the coarsest element down, each within the one before: "Pahandut" as A3 is the district, as A4 under it the
    village. Names compare without case and without "Kota"/"Kecamatan"/"Kelurahan"/… prefixes; the receiving
    centre's province is preferred for the first match. None when no element names a known region (a US sample)."""
    found = None
    for key in CIVIC_LEVELS:
        name = _REGION_PREFIXES.sub("", (civic.get(key) or "").strip()).strip()
        if not name:
            continue
        matches = Region.objects.filter(name__iexact=name)
        if found is not None:
            matches = matches.filter(code__startswith=f"{found.code}.")
        elif province_code:
            local = matches.filter(Q(code=province_code) | Q(code__startswith=f"{province_code}."))
            matches = local if local.exists() else matches
        # the coarsest match: a district and a village of the same name under one regency → the district
        candidates = sorted(matches.select_related("parent")[:50], key=lambda r: (r.code.count("."), r.code))
        if candidates:
            found = candidates[0]
    return found


def _record_civic_place(incident, region, *, positioned):
    """The village (and its district and regency) the civic address named, when the map could not say better: an
    address-only transfer, or a position that fell in no village polygon but inside what the address names."""
    if region is None:
        return
    chain = {}
    walk = region
    while walk is not None:
        chain[walk.level] = walk
        walk = walk.parent
    village, district, regency = chain.get(Region.Level.VILLAGE), chain.get(Region.Level.DISTRICT), chain.get(Region.Level.REGENCY)
    if positioned:
        finest = incident.village or incident.district or incident.regency
        if incident.village is not None or (finest is not None and not region.code.startswith(f"{finest.code}.")):
            return  # the point-in-polygon answer stands, or the address contradicts the position
    changes = {
        name: value for name, value in (("village", village), ("district", district), ("regency", regency))
        if value is not None and getattr(incident, f"{name}_id") != value.code
    }
    if not changes:
        return
    for name, value in changes.items():
        setattr(incident, name, value)
    incident.save(update_fields=list(changes))


def _region_point(region):
    if region is None:
        return None
    if region.centroid is not None:
        return region.centroid
    return region.boundary.point_on_surface if region.boundary is not None else None


def _sent_fields(data) -> dict:
    """The incident fields as the sender's document gave them (JSON), named as incident_update takes them."""
    return {
        "priority": data["priority"],
        "location": [data["lon"], data["lat"]] if data["lat"] is not None else None,
        "location_accuracy_m": _valid_accuracy(data["accuracy_m"]),
        "address": data["address"],
        "description": data["description"],
        "caller_name": data["caller_name"],
    }


def _current_fields(incident) -> dict:
    return {
        "priority": incident.priority,
        "location": [incident.location.x, incident.location.y],
        "location_accuracy_m": incident.location_accuracy_m,
        "address": incident.address,
        "description": incident.description,
        "caller_name": incident.caller_name,
    }


def _apply_sender_update(incident, data, document, actor):
    """A newer version of an EIDO we imported: apply what the *sender* changed since its previous version.

    Only fields whose value differs from the sender's previous document are applied (through incident_update,
    which writes the usual `incident.updated` diff), so a correction our call-taker made to another field is
    kept. An identical document, or one older than the last applied (`lastUpdateTimeStamp`), writes
    nothing; a closed or cancelled incident is left as it is. Each applied version writes
    `incident.eido_updated` (sender, its timestamp, the document's digest, the fields applied)."""
    digest = _document_digest(document)
    with transaction.atomic():
        incident = lock_incident(incident.pk)
        if incident.status in Incident.TERMINAL_STATUSES:
            return
        last = (
            TimelineEvent.objects.filter(incident=incident, kind__in=["incident.imported", "incident.eido_updated"])
            .order_by("-seq")
            .first()
        )
        previous = last.payload if last is not None else {}
        if previous.get("sha256") == digest:
            return
        new_at, old_at = parse_datetime(str(data["updated"] or "")), parse_datetime(str(previous.get("sender_updated") or ""))
        if new_at is not None and old_at is not None and new_at < old_at:
            return  # an older version arriving late (the same second but another digest: two edits, the last wins)
        sent = _sent_fields(data)
        before = previous.get("sent") or _current_fields(incident)
        changed = {name: value for name, value in sent.items() if value != before.get(name) and not (name == "priority" and value is None)}
        if incident.is_unclassified:
            # the sender classified it since: take its type, unless someone here already set a category
            mapped = _category_for(data)
            if mapped.code != IncidentCategory.UNCLASSIFIED:
                changed["category"] = mapped.code
        if changed:
            if "location" in changed:
                if changed["location"] is None:
                    changed.pop("location")  # the sender dropped its position: keep ours
                else:
                    changed["location"] = Point(*changed["location"], srid=4326)
            incident_update(incident_id=incident.pk, actor=actor, **changed)
        record_event(
            kind="incident.eido_updated",
            incident=incident,
            actor=actor,
            payload=events.incident_eido_updated(
                tracking_id=data["tracking_id"], sender=data["sender_agency"], sender_updated=data["updated"],
                sha256=digest, applied=changed, sent=sent,
            ),
        )


def _phone_or_blank(number):
    return number if number and PHONE_RE.match(number) else ""


def _resolve_links(items) -> list[dict]:
    """Keep the sender's link/merge codes and say which of our incidents each one names, when we hold it."""
    out = []
    for item in items[:50]:
        tracking = str(item.get("tracking_id") or "")[:255]
        local = Incident.objects.filter(external_tracking_id=tracking).values_list("pk", flat=True).first()
        if local is None and eido_format.parse_tracking_id(tracking):
            reference, _domain = eido_format.parse_tracking_id(tracking)
            local = Incident.objects.filter(reference=reference).values_list("pk", flat=True).first()
        out.append({**{k: (str(v)[:255] if v is not None else None) for k, v in item.items()}, "local_incident": local})
    return out


# --- CAP public alerts ----------------------------------------------------------------------------

def incident_set_public_alert(*, incident_id, actor, public: bool) -> Incident:
    """Publish (or withdraw) the incident in the public CAP feed. The feed never carries the caller."""
    return incident_update(incident_id=incident_id, actor=actor, is_public_alert=bool(public))


# --- AML / Android ELS ----------------------------------------------------------------------------

def matching_recent_call(number: str, *, at=None, window_min=None, centre_codes=None) -> Call | None:
    """The most recent ringing/answered call of this number within the window, among the centres the gateway
    serves (`centre_codes`; None: every centre — the national gateway, as the handset does not know which centre
    took its call). Any spelling of the number matches (incidents.phone)."""
    field, key = caller_lookup(number)
    if field != "caller_key":
        return None  # a short code or fragment names no handset
    window_min = settings.AML_MATCH_WINDOW_MIN if window_min is None else window_min
    now = at or timezone.now()
    since = now - timedelta(minutes=window_min)
    candidates = Call.objects.filter(caller_key=key).filter(
        Q(answered_at__gte=since) | Q(answered_at__isnull=True, ringing_at__gte=since)
    )
    if centre_codes is not None:
        candidates = candidates.filter(command_centre__code__in=list(centre_codes))
    return candidates.order_by("-answered_at", "-ringing_at", "-pk").first()


def call_attach_device_location(*, call_id, point: Point, accuracy_m=None, located_at=None, source="aml") -> bool:
    """Write the handset's own location onto the call; returns False (and writes nothing) when the call
    already holds this or a newer fix. The centre's consoles get `call.location`."""
    with transaction.atomic():
        call = Call.objects.select_for_update().filter(pk=call_id).first()
        if call is None:
            return False
        located_at = located_at or timezone.now()
        if call.device_location_at is not None and call.device_location_at > located_at:
            return False
        if (
            call.device_location is not None
            and call.device_location.equals_exact(point, tolerance=1e-9)
            and call.device_accuracy_m == accuracy_m
            and call.device_location_at == located_at
        ):
            return False
        old = [call.device_location.x, call.device_location.y] if call.device_location is not None else None
        call.device_location = point
        call.device_accuracy_m = accuracy_m
        call.device_location_at = located_at
        call.save(update_fields=["device_location", "device_accuracy_m", "device_location_at"])
        record_event(
            kind="call.location",
            incident=None,
            actor=None,
            centre_ids=[call.command_centre_id],
            agency_ids=[],
            community_ids=[],
            payload=events.call_location(call=call, point=point, accuracy_m=accuracy_m, located_at=located_at, source=source, old=old),
        )
    return True


# A handset clock a little ahead is normal; a fix dated further ahead would win over every genuine later fix
# (the newest fix wins), so it is stored as rejected instead.
AML_FUTURE_TOLERANCE = timedelta(minutes=2)


def aml_report_receive(*, fields: dict, source: str, raw=None, centre_codes=None) -> tuple[AmlReport, bool]:
    """Store one AML report (from HTTPS or SMS) and attach its location to the caller's recent call of a centre
    the gateway serves (`centre_codes`, None = every centre).

    Never raises for bad content: every problem is written into `problems`; a fix outside Indonesia or dated in
    the future is stored with "rejected: …" and never applied. Returns (report, created); a report whose dedup
    key we already hold is acknowledged and not stored twice."""
    parsed = normalise_fields(fields)
    key = parsed["dedup_key"]
    existing = AmlReport.objects.filter(dedup_key=key).first()
    if existing is not None:
        return existing, False
    point = None
    if parsed["lat"] is not None and parsed["lon"] is not None:
        point = Point(parsed["lon"], parsed["lat"], srid=4326)
    problems = list(parsed["problems"])
    try:
        with transaction.atomic():
            report = AmlReport.objects.create(
                received_at=timezone.now(),
                source=source[:10],
                raw=_jsonable(raw if raw is not None else fields),
                device_number=parsed["number"][:32],
                location=point,
                accuracy_m=parsed["accuracy_m"],
                location_time=parsed["location_time"],
                positioning_method=_no_nul(parsed["method"])[:20],
                dedup_key=key,
                problems=[_no_nul(p)[:200] for p in problems[:50]],
            )
    except IntegrityError:
        return AmlReport.objects.get(dedup_key=key), False

    if point is None or not parsed["number"]:
        return report, True
    if not in_indonesia(point):
        _add_problem(report, "rejected: location outside Indonesia")
        return report, True
    if parsed["location_time"] is not None and parsed["location_time"] > report.received_at + AML_FUTURE_TOLERANCE:
        _add_problem(report, "rejected: location time in the future")
        return report, True
    call = matching_recent_call(parsed["number"], at=report.received_at, centre_codes=centre_codes)
    if call is None:
        _add_problem(report, "no recent call from this number")
        return report, True
    try:
        applied = call_attach_device_location(
            call_id=call.pk, point=point, accuracy_m=parsed["accuracy_m"], located_at=parsed["location_time"] or report.received_at,
            source=f"aml-{source}",
        )
    except Exception:  # noqa: BLE001 — the report is kept; the gateway must still get its 2xx
        logger.exception("could not attach AML report %s to call %s", report.pk, call.pk)
        _add_problem(report, "could not attach to the call")
        return report, True
    if not applied:
        # Kept for the audit, linked to its call, but the call already holds this or a newer fix.
        _add_problem(report, "not applied: the call already has this or a newer fix")
    report.call = call
    report.save(update_fields=["call"])
    return report, True


def _add_problem(report, problem):
    report.problems = [*report.problems, problem][:50]
    report.save(update_fields=["problems"])


def _jsonable(value):
    """PostgreSQL refuses NUL characters in text and jsonb: keep everything else as received."""
    if isinstance(value, str):
        return _no_nul(value)
    if isinstance(value, dict):
        return {_no_nul(str(k)): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    return _no_nul(repr(value)[:4000])


def _no_nul(text: str) -> str:
    return str(text).replace("\x00", "\ufffd")
