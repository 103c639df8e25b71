"""Incident workflows: create from a call, update, route to agencies, close (by hand or automatically), cancel."""
from datetime import timedelta

from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.geo import contradictions, in_indonesia, place_for_point, place_for_village, regency_code_of
from agencies.models import CommandCentre, Region, User
from agencies.scoping import require_role, scope_for
from dispatch.errors import Conflict, IllegalTransition, NotFound, ValidationFailed, field_error
from dispatch import prepared
from dispatch.prepared import PreparedQuery
from incidents.models import Assignment, Call, IdempotencyRecord, Incident, IncidentCategory, IncidentCounter, Priority
from incidents import cardiac, events, refdata
from incidents.routing import propose_agencies
from incidents.services.callerlink import caller_conversation_attach, caller_links_end_for_incident
from incidents.services.cardiac import arrest_recognise, nearest_aeds_for
from incidents.services.common import (
    MAX_LENGTHS,
    clean_phone,
    clean_text,
    ensure_centre_staff,
    incident_deadlines_for,
    incident_refresh_status,
    lock_incident,
    offer_assignment,
    response_state,
    transition,
    unrouted_alert_due,
)
from incidents.timeline import events_in_one_statement, record_event


def _centre_of(actor, command_centre_id=None) -> CommandCentre:
    scope = scope_for(actor)
    if command_centre_id is not None:
        if not scope.is_global and command_centre_id not in scope.centre_ids:
            raise field_error("command_centre", _("Anda tidak bertugas di pusat panggilan ini."), code="not_your_centre")
        info = refdata.centre_info(command_centre_id)
        if info is None:
            raise field_error("command_centre", _("Pusat panggilan tidak dikenal."), code="unknown_centre")
        return info.centre
    if actor.command_centre_id:
        info = refdata.centre_info(actor.command_centre_id)
        if info is not None:
            return info.centre
        return actor.command_centre
    raise field_error("command_centre", _("Pilih pusat panggilan."), code="required")


def unclassified_category() -> IncidentCategory:
    """The "perlu diklasifikasi" category (IncidentCategory.UNCLASSIFIED), made on first use: no agency is
    responsible for it (routing proposes nobody until the category is set), P2 until someone knows better."""
    category, _created = IncidentCategory.objects.get_or_create(
        code=IncidentCategory.UNCLASSIFIED,
        defaults={
            "name_id": "Perlu diklasifikasi", "name_en": "Needs classification", "default_priority": Priority.URGENT,
            "responsible_agency_types": [], "required_capabilities": [], "is_active": False,
        },
    )
    return category


def _category(code, *, imported=False) -> IncidentCategory:
    if not code:
        raise field_error("category", _("Kategori wajib dipilih."), code="required")
    if imported and code == IncidentCategory.UNCLASSIFIED:
        # Only a transfer from another CAD may arrive unclassified: a transfer must never bounce.
        return unclassified_category()
    category = refdata.active_category(str(code)[:40])
    if category is None:
        raise field_error("category", _("Kategori '%(code)s' tidak dikenal.") % {"code": str(code)[:40]}, code="unknown_category")
    return category


def _priority(value, category, answers) -> int:
    if value in (None, ""):
        return suggest_priority(category=category, answers=answers)
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise field_error("priority", _("Prioritas harus 1 sampai 4."), code="invalid_priority") from None
    if value not in Priority.values:
        raise field_error("priority", _("Prioritas harus 1 sampai 4."), code="invalid_priority")
    return value


def suggest_priority(*, category, answers) -> int:
    """The category's default, raised (never lowered) by answers its SOP script marks as critical."""
    priority = category.default_priority
    for question in category.question_script or []:
        rule = question.get("priority_if")
        if rule and question.get("key") in (answers or {}) and answers[question["key"]] == rule.get("answer"):
            priority = min(priority, int(rule["priority"]))
    return priority


def _answers(category, answers) -> dict:
    if answers in (None, ""):
        return {}
    if not isinstance(answers, dict):
        raise field_error("answers", _("Jawaban SOP harus berupa objek."), code="invalid_answers")
    keys = {q.get("key") for q in category.question_script or []}
    unknown = sorted(set(answers) - keys)
    if unknown:
        raise field_error("answers", _("Pertanyaan tidak dikenal: %(keys)s") % {"keys": ", ".join(map(str, unknown))[:200]}, code="unknown_question")
    clean = {}
    recognition = cardiac.uses_recognition(category)
    for key, value in answers.items():
        if recognition and key in cardiac.RECOGNITION_KEYS:
            if isinstance(value, str):
                value = value.strip()
            if not cardiac.valid_answer(value):
                # ya / tidak / tidak yakin: anything else is a console's bug, and the arrest rule must not guess
                raise field_error(
                    "answers", _("Jawaban untuk '%(key)s' harus true, false atau \"unsure\".") % {"key": key},
                    code="invalid_answers",
                )
            clean[key] = value
            continue
        if isinstance(value, str):
            value = value.strip()
            if len(value) > MAX_LENGTHS["answer"]:
                # refused, never cut: a call-taker must not lose the end of what the caller said
                raise field_error(
                    "answers",
                    _("Jawaban untuk '%(key)s' terlalu panjang: %(n)d karakter, paling banyak %(max)d.")
                    % {"key": key, "n": len(value), "max": MAX_LENGTHS["answer"]},
                    code="too_long",
                )
        elif not isinstance(value, (bool, int, float)) and value is not None:
            raise field_error("answers", _("Jawaban untuk '%(key)s' tidak valid.") % {"key": key}, code="invalid_answers")
        clean[key] = value
    return clean


def _location(location) -> Point:
    if location is None:
        raise field_error("location", _("Lokasi wajib diisi untuk panggilan darurat."), code="required")
    if not isinstance(location, Point):
        raise field_error("location", _("Lokasi harus berupa titik."), code="invalid_location")
    if location.srid not in (None, 4326):
        location = location.transform(4326, clone=True)
    location.srid = 4326
    if not (-90 <= location.y <= 90 and -180 <= location.x <= 180):
        raise field_error("location", _("Koordinat tidak valid."), code="invalid_location")
    if not in_indonesia(location):
        raise field_error(
            "location", _("Koordinat (%(lat).5f, %(lon).5f) berada di luar Indonesia.") % {"lat": location.y, "lon": location.x},
            code="outside_indonesia",
        )
    return location


def _served_check(centre, place, location, allow_outside):
    """A point outside every region the centre serves is a warning the call-taker must override explicitly."""
    info = refdata.centre_info(centre.pk) or refdata.centre_info_from_db(centre)
    if place.regency is not None:
        outside = place.regency.code not in info.served
    else:
        # Without a boundary we only know it is outside when the served regencies have boundaries.
        outside = info.served_have_boundaries
    if outside and not allow_outside:
        raise ValidationFailed(
            _("Lokasi berada di luar wilayah layanan %(centre)s. Periksa lokasi, atau konfirmasi untuk tetap menyimpan.")
            % {"centre": centre.name},
            code="outside_service_area",
            fields={"location": [_("Di luar wilayah layanan pusat panggilan ini.")]},
        )
    return outside


def _village(code) -> Region | None:
    """A kelurahan/desa named by its Kemendagri code ("62.71.01.1001"); None when none is named."""
    if code in (None, ""):
        return None
    code = str(code).strip()[:13]
    village = Region.objects.filter(pk=code, level=Region.Level.VILLAGE).first()
    if village is None:
        raise field_error("village", _("Kelurahan/desa dengan kode '%(code)s' tidak dikenal.") % {"code": code}, code="unknown_village")
    return village


def _place(centre, point, village):
    """Where the incident is, by region: the village the call-taker chose (its district and regency follow) when one
    is named, else what the boundaries holding the point say.

    A named village must lie in the centre's area (400 `village_outside_service_area`: no override, the type-ahead
    only offers the centre's villages), and wins over the point lookup unless an exact boundary puts the point in
    another village, district or regency (400 `village_mismatch`: two answers, and nobody can tell which is right)."""
    found = place_for_point(point)
    if village is None:
        return found
    info = refdata.centre_info(centre.pk) or refdata.centre_info_from_db(centre)
    if regency_code_of(village) not in info.served:
        raise field_error(
            "village",
            _("Kelurahan/desa %(name)s berada di luar wilayah layanan %(centre)s.") % {"name": village.name, "centre": centre.name},
            code="village_outside_service_area",
        )
    named = place_for_village(village)
    other = contradictions(named, found)
    if other:
        raise ValidationFailed(
            _("Titik lokasi berada di %(place)s, bukan di %(village)s: pilih ulang kelurahan atau pindahkan titiknya.")
            % {"place": other[0].name, "village": village.name},
            code="village_mismatch",
            fields={"village": [_("Tidak sesuai dengan titik lokasi.")], "location": [_("Tidak sesuai dengan kelurahan yang dipilih.")]},
        )
    return named


def _next_number(centre, year) -> int:
    # One statement: inserts the counter or bumps it, holding its row lock until commit.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {IncidentCounter._meta.db_table} (command_centre_id, year, last_number)
            VALUES (%s, %s, 1)
            ON CONFLICT (command_centre_id, year)
            DO UPDATE SET last_number = {IncidentCounter._meta.db_table}.last_number + 1
            RETURNING last_number
            """,
            [centre.pk, year],
        )
        return cursor.fetchone()[0]


# Every create with a key reads it first (and again after a lost race): compiled once per process (issue 27).
_IDEMPOTENCY_RECORD = PreparedQuery(
    lambda user_id, key: IdempotencyRecord.objects.filter(user_id=user_id, key=key).select_related("incident").order_by("pk")[:1]
)


def incident_create(
    *,
    actor,
    category,
    location,
    priority=None,
    address="",
    location_accuracy_m=None,
    location_source="",
    description="",
    caller_number="",
    caller_name="",
    answers=None,
    call_id=None,
    command_centre_id=None,
    idempotency_key=None,
    allow_outside_service_area=False,
    is_public_alert=False,
    external_tracking_id=None,
    village=None,
) -> tuple[Incident, bool]:
    """Log a genuine emergency. Returns (incident, created); a repeated idempotency key returns the first incident."""
    require_role(actor, User.Role.CALL_TAKER, User.Role.SUPERVISOR)
    # A longer key is refused, not cut: two different keys cut to the same 100 characters would be one incident.
    key = clean_text("idempotency_key", idempotency_key) if idempotency_key else None
    if key:
        existing = _IDEMPOTENCY_RECORD.first(user_id=actor.pk, key=key)
        if existing:
            return existing.incident, False

    centre = _centre_of(actor, command_centre_id)
    category_obj = _category(category, imported=bool(external_tracking_id))
    answers = _answers(category_obj, answers)
    priority = _priority(priority, category_obj, answers)
    # not conscious, not breathing normally: a suspected cardiac arrest is P1 whatever else was chosen
    suspected = cardiac.uses_recognition(category_obj) and cardiac.is_suspected(answers)
    if suspected:
        priority = Priority.CRITICAL
    point = _location(location)
    village = _village(village)
    address = clean_text("address", address)
    description = clean_text("description", description)
    caller_name = clean_text("caller_name", caller_name)
    if location_accuracy_m not in (None, ""):
        try:
            location_accuracy_m = float(location_accuracy_m)
        except (TypeError, ValueError):
            raise field_error("location_accuracy_m", _("Akurasi harus berupa angka meter."), code="invalid") from None
        if not (0 <= location_accuracy_m <= 100_000):
            raise field_error("location_accuracy_m", _("Akurasi harus antara 0 dan 100.000 m."), code="invalid")
    else:
        location_accuracy_m = None

    call = None
    if call_id is not None:
        call = Call.objects.filter(pk=call_id, command_centre=centre).first()
        if call is None:
            raise field_error("call", _("Panggilan tidak ditemukan."), code="call_not_found")
    number_default = call.caller_number if call else ""
    caller_number = clean_phone(caller_number or number_default, required=not external_tracking_id)

    place = _place(centre, point, village)
    outside = _served_check(centre, place, point, allow_outside_service_area)
    # read before the transaction: the AED search holds no lock
    nearest_aeds = nearest_aeds_for(Incident(command_centre=centre, location=point)) if suspected else None

    try:
        with transaction.atomic():
            now = timezone.now()
            if call is not None:
                call = Call.objects.select_for_update().get(pk=call.pk)
                if call.incident_id is not None or call.status == Call.Status.ENDED:
                    raise Conflict(_("Panggilan ini sudah ditutup atau sudah tercatat sebagai kejadian."), code="call_already_closed")
            year = now.year
            number = _next_number(centre, year)
            # the INSERT compiled once per process (issue 27): the same row and object as Incident.objects.create
            incident = prepared.create(
                Incident,
                command_centre=centre,
                reference=f"{centre.reference_prefix}-{year}-{number:06d}",
                year=year,
                number=number,
                category=category_obj,
                priority=priority,
                location=point,
                address=address,
                location_accuracy_m=location_accuracy_m,
                location_source=(location_source or "")[:20],
                regency=place.regency,
                district=place.district,
                village=place.village,
                outside_service_area=outside,
                description=description,
                caller_number=caller_number,
                caller_name=caller_name or (call.caller_name if call else ""),
                answers=answers,
                cardiac_arrest_suspected=suspected,
                is_public_alert=bool(is_public_alert),
                external_tracking_id=external_tracking_id,
                created_by=actor,
                call_answered_at=call.answered_at if call else None,
                created_at=now,
                # logged, routed by nobody yet: the first unrouted spell starts now (incident_deadlines_for)
                unrouted_since=now,
                unrouted_alert_due_at=now + timedelta(seconds=centre.unrouted_alert_seconds(priority)),
            )
            if key:
                prepared.create(IdempotencyRecord, key=key, user=actor, incident=incident)
            if call is not None:
                call.incident = incident
                call.disposition = Call.Disposition.GENUINE
                call.status = Call.Status.ENDED
                call.ended_at = now
                call.save(update_fields=["incident", "disposition", "status", "ended_at"])
                caller_conversation_attach(call=call, incident=incident)  # the call's caller link, fixes and chat follow it
            if suspected:
                arrest_recognise(incident=incident, actor=actor, recognition="answers", now=now, call=call,
                                 nearest_aeds=nearest_aeds, before_event=lambda: record_event(
                                     kind="incident.created", incident=incident, actor=actor, payload=events.incident_created(call=call)))
            else:
                incident._state.fields_cache["cardiac_arrest"] = None
                record_event(kind="incident.created", incident=incident, actor=actor, payload=events.incident_created(call=call))
    except IntegrityError:
        # The same key raced in from a resubmit: the first request won, answer with its incident.
        if key:
            existing = _IDEMPOTENCY_RECORD.first(user_id=actor.pk, key=key)
            if existing:
                return existing.incident, False
        raise
    return incident, True


UPDATABLE_FIELDS = (
    "description", "address", "priority", "caller_name", "location", "location_accuracy_m", "answers", "is_public_alert", "village",
    "category",
)


def incident_update(*, incident_id, actor, **changes) -> Incident:
    """Correct what the call-taker learns later. Writes one event listing old and new values; a no-op writes nothing.

    `category` (a code) classifies the incident — above all one that arrived unclassified (an EIDO without an
    incident type): the new category's SOP answers are kept, others dropped (the event keeps the old ones); the
    priority is raised to the new category's default when that is more urgent, never lowered unless `priority` is
    given too; a service target (Damkar: on scene within 15 min) starts from the acceptance, as if it had been known."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValidationFailed(_("Kolom tidak dapat diubah: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="not_updatable")
    with transaction.atomic():
        incident = lock_incident(incident_id)
        ensure_centre_staff(actor, incident)
        if incident.status in Incident.TERMINAL_STATUSES:
            raise IllegalTransition(entity=_("kejadian"), current=incident.status, target="updated")
        clean = {}
        if "category" in changes:
            category = _category(changes["category"])
            if category.pk != incident.category_id:
                clean["category"] = category
                kept = {k: v for k, v in (incident.answers or {}).items() if k in {q.get("key") for q in category.question_script or []}}
                if kept != (incident.answers or {}):
                    clean["answers"] = kept
                if "priority" not in changes:
                    clean["priority"] = min(incident.priority, suggest_priority(category=category, answers=kept))
        for name, value in changes.items():
            if name == "category":
                continue
            if name in ("description", "address", "caller_name"):
                clean[name] = clean_text(name, value)
            elif name == "priority":
                clean[name] = _priority(value, clean.get("category", incident.category), incident.answers)
            elif name == "answers":
                clean[name] = _answers(clean.get("category", incident.category), value)
            elif name == "location":
                clean[name] = _location(value)
            elif name == "location_accuracy_m":
                clean[name] = None if value in (None, "") else float(value)
            elif name == "is_public_alert":
                clean[name] = bool(value)
        # Answers that newly meet the arrest rule flag the incident (once) and make it P1.
        recognise = (
            not incident.cardiac_arrest_suspected
            and ("answers" in clean or "category" in clean)
            and cardiac.uses_recognition(clean.get("category", incident.category))
            and cardiac.is_suspected(clean.get("answers", incident.answers))
        )
        if recognise:
            clean["priority"] = Priority.CRITICAL
        # The village: named (and checked against the point), or, when only the point moved, what its boundaries say.
        village_named = "village" in changes and changes["village"] not in (None, "")
        village = _village(changes["village"]) if village_named else None
        clean.pop("village", None)
        diff = {}
        for name, value in clean.items():
            old = getattr(incident, name)
            if name == "location":
                if old.equals_exact(value, tolerance=1e-9):
                    continue
                diff[name] = {"old": [old.x, old.y], "new": [value.x, value.y]}
            elif name == "category":
                diff[name] = {"old": old.code, "new": value.code}
            elif old == value:
                continue
            else:
                diff[name] = {"old": old, "new": value}
            setattr(incident, name, value)
        place_changes = "location" in diff or "village" in changes
        if place_changes:
            place = _place(incident.command_centre, incident.location, village)
            new_village = place.village.code if place.village is not None else None
            if new_village != incident.village_id:
                diff["village"] = {"old": incident.village_id, "new": new_village}
        if not diff:
            return incident
        if recognise:
            # the summary of this update's event says "not suspected yet"; the recognition's event follows it
            incident._state.fields_cache["cardiac_arrest"] = None
        fields = [name for name in diff if name != "village"] + ["updated_at"]
        if "priority" in diff and incident.unrouted_alert_due_at is not None:
            # still waiting for its unrouted alert: the new priority's threshold counts from the spell's start
            incident.unrouted_alert_due_at = unrouted_alert_due(incident, incident.unrouted_since)
            fields.append("unrouted_alert_due_at")
        target = incident.category.on_scene_target_min if "category" in diff else None
        if target and incident.accepted_at and incident.on_scene_at is None and incident.on_scene_due_at is None:
            # classified after an agency accepted: its service-target clock runs from that acceptance
            incident.on_scene_due_at = incident.accepted_at + timedelta(minutes=target)
            fields.append("on_scene_due_at")
        if place_changes:
            incident.regency, incident.district, incident.village = place.regency, place.district, place.village
            fields += ["regency", "district", "village"]
        if "location" in diff:
            if incident.location_source == Incident.LOCATION_TO_CONFIRM:
                # the call-taker placed the pin an address-only EIDO could not give
                diff["location_source"] = {"old": incident.location_source, "new": "map"}
                incident.location_source = "map"
                fields.append("location_source")
        incident.save(update_fields=fields)
        record_event(kind="incident.updated", incident=incident, actor=actor, payload=events.incident_updated(changes=diff))
        if recognise:
            arrest_recognise(incident=incident, actor=actor, recognition="answers", now=timezone.now())
    return incident


def incident_route(*, incident_id, actor, agency_ids=None) -> list[Assignment]:
    """Offer the incident to agencies: to the proposal when none are named. Agencies already holding a live
    assignment are left as they are. Returns the live assignments after routing.

    The hot half of every intake (issue 15): one read after the lock gives the live agencies and the response
    statuses (two statements before), agencies and escalation rules come from the per-process reference cache, and
    a first routing answers with the assignments it created instead of reading them back."""
    with transaction.atomic():
        incident = lock_incident(incident_id)
        ensure_centre_staff(actor, incident)
        if incident.status in Incident.TERMINAL_STATUSES:
            raise IllegalTransition(entity=_("kejadian"), current=incident.status, target="routed")
        if agency_ids is None:
            regency_code = incident.regency_id
            if incident.is_unclassified:
                raise ValidationFailed(
                    _("Kejadian belum diklasifikasi: tetapkan kategorinya agar instansi diusulkan, atau pilih instansi secara manual."),
                    code="incident_unclassified",
                    fields={"category": [_("Tetapkan kategori kejadian.")]},
                )
            agencies = [p.agency for p in propose_agencies(
                category=incident.category, point=incident.location, command_centre=incident.command_centre, regency_code=regency_code
            )]
            if not agencies:
                raise ValidationFailed(
                    _("Tidak ada instansi penanggung jawab untuk kategori ini di lokasi ini; pilih instansi secara manual."),
                    code="no_agency_found",
                    fields={"agencies": [_("Pilih minimal satu instansi.")]},
                )
        else:
            try:
                ids = sorted({int(a) for a in agency_ids})
            except (TypeError, ValueError):
                raise field_error("agencies", _("Daftar instansi tidak valid."), code="invalid") from None
            if not ids:
                raise field_error("agencies", _("Pilih minimal satu instansi."), code="required")
            agencies = [a for a in (refdata.active_agency(pk) for pk in ids) if a is not None]
            missing = set(ids) - {a.pk for a in agencies}
            if missing:
                raise field_error(
                    "agencies", _("Instansi tidak dikenal atau tidak aktif: %(ids)s") % {"ids": ", ".join(map(str, sorted(missing)))},
                    code="unknown_agency",
                )
            # A centre routes to its own agencies. Another centre's agency gets an incident only through a handoff
            # (its own centre then sees it offered and the chain is kept) or an EIDO transfer to that centre.
            foreign = [a for a in agencies if a.command_centre_id != incident.command_centre_id]
            if foreign:
                raise field_error(
                    "agencies",
                    _("Instansi %(names)s milik pusat panggilan lain; alihkan melalui penugasan (handoff) atau kirim EIDO.")
                    % {"names": ", ".join(a.name for a in foreign)},
                    code="agency_of_other_centre",
                )
        statuses, unit_statuses, live_agencies = response_state(incident.pk)
        live = set(live_agencies)
        # The last offer's event and the status change's are written by one statement (issue 27).
        with events_in_one_statement():
            offered = [
                offer_assignment(incident=incident, agency=agency, actor=actor) for agency in agencies if agency.pk not in live
            ]
            # Under the incident lock nobody else changes its assignments or dispatched units (one lock order), so the
            # statuses read with the lock plus the offers just made are the current ones.
            incident_refresh_status(
                incident=incident, actor=actor,
                responses=(list(statuses) + [a.status for a in offered], list(unit_statuses)),
            )
        if not live:
            return offered
        return list(incident.assignments.filter(status__in=Assignment.LIVE_STATUSES).select_related("agency"))


def _withdraw_live_assignments(incident, actor, now):
    for assignment in incident.assignments.select_for_update().filter(status__in=Assignment.LIVE_STATUSES).order_by("pk"):
        transition(
            assignment, status=Assignment.Status.CANCELLED, kind="assignment.cancelled", incident=incident, actor=actor,
            now=now, stamp="cancelled_at", changes={"acted_by": actor}, extra_agency_ids=[assignment.agency_id],
            payload=lambda old, assignment=assignment: events.assignment_cancelled(assignment=assignment, old=old),
        )


def incident_close(*, incident_id, actor, note="", force=False) -> Incident:
    """The centre closes the ticket. With agencies still working it needs `force` from a supervisor."""
    note = clean_text("note", note)
    with transaction.atomic():
        incident = lock_incident(incident_id)
        ensure_centre_staff(actor, incident)
        if incident.status in Incident.TERMINAL_STATUSES:
            raise IllegalTransition(entity=_("kejadian"), current=incident.status, target=Incident.Status.CLOSED)
        # before any event is written: the lock order is incident, caller links, timeline
        caller_links_end_for_incident(incident=incident, cause="incident_closed", actor=actor)
        has_live = incident.assignments.filter(status__in=Assignment.LIVE_STATUSES).exists()
        if has_live and not force:
            raise Conflict(
                _("Masih ada instansi yang menangani kejadian ini; selesaikan penugasan atau tutup paksa (supervisor)."),
                code="incident_has_live_assignments",
            )
        if has_live and actor.role not in (User.Role.SUPERVISOR, User.Role.ADMIN) and not actor.is_superuser:
            raise Conflict(_("Hanya supervisor yang dapat menutup paksa."), code="force_close_needs_supervisor")
        now = timezone.now()
        _withdraw_live_assignments(incident, actor, now)
        transition(
            incident, status=Incident.Status.CLOSED, kind="incident.status_changed", incident=incident, actor=actor,
            now=now, stamp="closed_at", changes=incident_deadlines_for(incident, Incident.Status.CLOSED, now),
            payload=lambda old: events.incident_status_changed(old=old, new=Incident.Status.CLOSED, note=note),
        )
    return incident


def incident_auto_close(*, incident_id, now=None) -> bool:
    """`auto_close_due_at` passed on a resolved incident: close it as the system's act (no actor; the event says
    `auto_close` and after how many minutes). Run by the sweeper (incidents.tasks); locks, re-checks and acts at most
    once, so a second sweeper, or one racing a call-taker's close, finds it closed and does nothing. Returns True when
    it closed the incident."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            incident = lock_incident(incident_id)
        except NotFound:
            return False
        due = incident.auto_close_due_at
        if due is None or due > now:
            return False
        minutes = incident.command_centre.auto_close_resolved_min
        if incident.status != Incident.Status.RESOLVED or not minutes:
            # re-opened by a new routing, or the centre turned auto-close off since: the clock is stale
            incident.auto_close_due_at = None
            incident.save(update_fields=["auto_close_due_at"])
            return False
        transition(
            incident, status=Incident.Status.CLOSED, kind="incident.status_changed", incident=incident, actor=None,
            now=now, stamp="closed_at", changes=incident_deadlines_for(incident, Incident.Status.CLOSED, now),
            payload=lambda old: events.incident_status_changed(
                old=old, new=Incident.Status.CLOSED, auto_close={"after_min": minutes, "due_at": due.isoformat()},
            ),
        )
    return True


def incident_cancel(*, incident_id, actor, reason) -> Incident:
    """Logged by mistake or no longer needed: withdraws every live assignment."""
    reason = clean_text("reason", reason, required=True, message=_("Alasan pembatalan wajib diisi."))
    with transaction.atomic():
        incident = lock_incident(incident_id)
        ensure_centre_staff(actor, incident)
        if incident.status in Incident.TERMINAL_STATUSES:
            raise IllegalTransition(entity=_("kejadian"), current=incident.status, target=Incident.Status.CANCELLED)
        caller_links_end_for_incident(incident=incident, cause="incident_cancelled", actor=actor)
        now = timezone.now()
        _withdraw_live_assignments(incident, actor, now)
        transition(
            incident, status=Incident.Status.CANCELLED, kind="incident.status_changed", incident=incident, actor=actor,
            now=now, stamp="closed_at", changes=incident_deadlines_for(incident, Incident.Status.CANCELLED, now),
            payload=lambda old: events.incident_status_changed(old=old, new=Incident.Status.CANCELLED, reason=reason),
        )
    return incident
