"""Bad input to the services: a clear error naming the field, and nothing stored."""
import pytest
from django.contrib.gis.geos import Point

from dispatch.errors import ApplicationError, PermissionDenied, ValidationFailed
from incidents.models import Call, Incident, TimelineEvent
from incidents.services import call_close, call_link_duplicate, call_start, incident_create, incident_update
from tests import factories as f

pytestmark = pytest.mark.django_db


def _nothing_stored():
    return Incident.objects.count() == 0 and TimelineEvent.objects.filter(kind="incident.created").count() == 0


def _create(call_taker, **kw):
    base = dict(actor=call_taker, category="kebakaran", location=Point(*f.PKY, srid=4326), caller_number="08123456789")
    base.update(kw)
    return incident_create(**base)


@pytest.mark.parametrize(
    "changes, field, code",
    [
        ({"category": "gempa-mars"}, "category", "unknown_category"),
        ({"category": ""}, "category", "required"),
        ({"location": Point(151.2, -33.9, srid=4326)}, "location", "outside_indonesia"),  # Sydney
        ({"location": Point(0, 0, srid=4326)}, "location", "outside_indonesia"),
        ({"location": None}, "location", "required"),
        ({"caller_number": ""}, "caller_number", "required"),
        ({"caller_number": "DROP TABLE"}, "caller_number", "invalid_phone"),
        ({"description": "x" * 4001}, "description", "too_long"),
        ({"address": "y" * 256}, "address", "too_long"),
        ({"priority": 9}, "priority", "invalid_priority"),
        ({"priority": "tinggi"}, "priority", "invalid_priority"),
        ({"answers": {"unknown_question": True}}, "answers", "unknown_question"),
        ({"answers": ["not", "a", "dict"]}, "answers", "invalid_answers"),
        ({"location_accuracy_m": "dekat"}, "location_accuracy_m", "invalid"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(call_taker, fire_category, changes, field, code):
    with pytest.raises(ValidationFailed) as exc:
        _create(call_taker, **changes)
    assert exc.value.code == code
    assert field in exc.value.fields and exc.value.fields[field][0]
    assert _nothing_stored()


def test_point_outside_the_served_regions_needs_an_explicit_override(call_taker, fire_category):
    # Samarinda is in Indonesia but not served by Palangka Raya's centre
    samarinda = Point(*f.SMD, srid=4326)
    with pytest.raises(ValidationFailed) as exc:
        _create(call_taker, location=samarinda)
    assert exc.value.code == "outside_service_area"
    assert _nothing_stored()
    incident, created = _create(call_taker, location=samarinda, allow_outside_service_area=True)
    assert created and incident.outside_service_area


def test_priority_is_suggested_from_category_and_answers(call_taker, fire_category):
    plain, _ = _create(call_taker)
    assert plain.priority == fire_category.default_priority == 2
    trapped, _ = _create(call_taker, answers={"people_trapped": True, "building_type": "rumah"})
    assert trapped.priority == 1
    chosen, _ = _create(call_taker, priority=3, answers={"people_trapped": True})
    assert chosen.priority == 3  # the call-taker's explicit choice stands


def test_idempotency_key_returns_the_first_incident(call_taker, fire_category):
    first, created = _create(call_taker, idempotency_key="draft-1")
    again, created_again = _create(call_taker, idempotency_key="draft-1", description="resubmit")
    assert created and not created_again and again.pk == first.pk
    assert Incident.objects.count() == 1


def test_only_centre_staff_create_incidents(fire_category, damkar):
    with pytest.raises(PermissionDenied):
        _create(f.dispatcher(damkar))
    assert _nothing_stored()


def test_references_count_per_centre_and_year(call_taker, fire_category):
    a, _ = _create(call_taker)
    b, _ = _create(call_taker)
    assert a.reference.endswith("-000001") and b.reference.endswith("-000002")
    assert a.reference.startswith(f"PKY-{a.created_at.year}-")


def test_district_is_found_by_point_in_polygon(call_taker, fire_category):
    from agencies.models import Region

    district = Region.objects.create(
        code="62.71.01", level="district", name="Pahandut", parent_id="62.71", timezone="Asia/Jakarta",
        boundary=f.square(*f.PKY, half=0.02),
    )
    inside, _ = _create(call_taker)
    assert inside.district == district and inside.regency_id == "62.71"
    elsewhere, _ = _create(call_taker, location=Point(f.PKY[0] + 0.1, f.PKY[1], srid=4326))
    assert elsewhere.district is None and elsewhere.regency_id == "62.71"


def test_one_keystroke_dispositions_close_the_call(call_taker):
    call = call_start(actor=call_taker, caller_number="081300000001")
    call_close(call_id=call.pk, actor=call_taker, disposition="prank")
    call.refresh_from_db()
    assert call.status == "ended" and call.disposition == "prank" and call.ended_at
    with pytest.raises(ApplicationError):
        call_close(call_id=call.pk, actor=call_taker, disposition="ghost")
    with pytest.raises(ValidationFailed):
        call_close(call_id=call_start(actor=call_taker).pk, actor=call_taker, disposition="genuine")


def test_a_duplicate_call_counts_another_caller(call_taker, fire_category):
    incident, _ = _create(call_taker)
    call = call_start(actor=call_taker, caller_number="081300000002")
    call_link_duplicate(call_id=call.pk, incident_id=incident.pk, actor=call_taker)
    incident.refresh_from_db()
    call.refresh_from_db()
    assert incident.caller_count == 2 and call.disposition == "duplicate" and call.incident == incident
    assert TimelineEvent.objects.filter(kind="incident.duplicate_linked", incident=incident).count() == 1


def test_creating_from_a_call_links_and_ends_it(call_taker, fire_category):
    call = call_start(actor=call_taker, caller_number="081300000003", caller_name="Budi")
    incident, _ = _create(call_taker, call_id=call.pk, caller_number="")
    call.refresh_from_db()
    assert call.incident == incident and call.disposition == "genuine" and call.status == "ended"
    assert incident.caller_number == "081300000003" and incident.caller_name == "Budi"
    assert incident.call_answered_at == call.answered_at
    with pytest.raises(ApplicationError) as exc:
        _create(call_taker, call_id=call.pk)
    assert exc.value.code == "call_already_closed"
    assert Call.objects.get(pk=call.pk).incident == incident


def test_update_writes_old_and_new_and_a_no_op_writes_nothing(call_taker, fire_category):
    incident, _ = _create(call_taker, description="asap")
    incident_update(incident_id=incident.pk, actor=call_taker, description="asap tebal", priority=1)
    event = TimelineEvent.objects.filter(kind="incident.updated").get()
    assert event.payload["changes"]["description"] == {"old": "asap", "new": "asap tebal"}
    assert event.payload["changes"]["priority"] == {"old": 2, "new": 1}
    incident_update(incident_id=incident.pk, actor=call_taker, description="asap tebal")
    assert TimelineEvent.objects.filter(kind="incident.updated").count() == 1
    with pytest.raises(ValidationFailed):
        incident_update(incident_id=incident.pk, actor=call_taker, reference="HACK-1")
