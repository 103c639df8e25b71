"""The call-out lifecycle through the services: alert, accept (first N), stand the others down, progress,
withdraw, cancel; selection by skill, radius and availability."""
import pytest
from django.utils import timezone

from dispatch.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from incidents.models import Notification, TimelineEvent
from tests import factories as f
from volunteers.models import CallOut, CallOutResponse, Volunteer
from volunteers.services import (
    callout_accept,
    callout_cancel,
    callout_create,
    callout_decline,
    callout_report_status,
    callout_withdraw,
)
from volunteers.selectors import callouts_waiting

pytestmark = pytest.mark.django_db


def kinds(incident):
    return list(TimelineEvent.objects.filter(incident=incident, kind__startswith="callout.").order_by("seq").values_list("kind", flat=True))


def test_by_skill_within_radius_alerts_nearest_available_first(make_incident, call_taker, members, make_member):
    # given first-aiders at 300 m, 800 m, 2 km, one at 600 m who is off duty, one suspended at 400 m
    make_member("Eko", metres=600, availability=Volunteer.Availability.OFF)
    make_member("Fani", metres=400, status=Volunteer.Status.SUSPENDED)
    incident = make_incident()
    # when a call-taker asks for 2 first-aiders within 1 km
    callout = callout_create(incident_id=incident.pk, actor=call_taker, skills=["first_aid"], radius_m=1000, needed=2)
    # then only the available first-aiders inside 1 km are alerted, nearest first, with their distance
    rows = list(callout.responses.order_by("distance_m").values_list("volunteer__name", "distance_m", "status"))
    assert [r[0] for r in rows] == ["Ani", "Budi"]
    assert 250 < rows[0][1] < 350 and 750 < rows[1][1] < 850
    assert {r[2] for r in rows} == {"pending"}
    # and each was texted, without the caller's number
    sms = Notification.objects.filter(reason="callout")
    assert sms.count() == 2
    assert all(incident.caller_number not in n.body and incident.reference in n.body for n in sms)
    assert kinds(incident) == ["callout.sent"]
    event = TimelineEvent.objects.get(kind="callout.sent")
    assert event.community_ids == [members["ani"].community_id]
    assert event.payload["callout"]["recipients"] == 2 and sorted(event.payload["members"]) == sorted([members["ani"].pk, members["budi"].pk])


def test_schedule_member_alerted_only_in_their_hours(make_incident, call_taker, make_member):
    from volunteers.selectors import hour_of_week

    now = timezone.now()
    this_hour = hour_of_week(now, "Asia/Jakarta")
    on = make_member("Jadwal", metres=200, availability=Volunteer.Availability.SCHEDULE, schedule_hours=[this_hour])
    make_member("Lain", metres=250, availability=Volunteer.Availability.SCHEDULE, schedule_hours=[(this_hour + 5) % 168])
    callout = callout_create(incident_id=make_incident().pk, actor=call_taker, skills=["first_aid"], radius_m=1000, needed=1, now=now)
    assert list(callout.responses.values_list("volunteer_id", flat=True)) == [on.pk]


def test_whole_community_and_unapproved_community_refused(make_incident, call_taker, community, members):
    incident = make_incident()
    callout = callout_create(incident_id=incident.pk, actor=call_taker, community=community.pk, needed=3)
    assert callout.responses.count() == 4 and callout.community_id == community.pk
    pending = f.CommunityFactory(command_centre=community.command_centre, name="Belum disetujui")
    with pytest.raises(ValidationFailed) as err:
        callout_create(incident_id=incident.pk, actor=call_taker, community=pending.pk, needed=1)
    assert err.value.code == "community_not_approved"


def test_first_n_taken_others_stood_down_with_who_and_when(make_incident, call_taker, members):
    incident = make_incident()
    callout = callout_create(incident_id=incident.pk, actor=call_taker, skills=["first_aid"], radius_m=5000, needed=2)
    ani, budi, citra = (members[k].user for k in ("ani", "budi", "citra"))
    callout_accept(callout_id=callout.pk, actor=ani, reply="10 menit lagi")
    callout_decline(callout_id=callout.pk, actor=citra, reply="sedang di luar kota")
    [waiting] = callouts_waiting(centre_ids=[incident.command_centre_id])
    assert (waiting["id"], waiting["reference"], waiting["needed"], waiting["accepted"], waiting["declined"], waiting["pending"]) == (
        callout.pk, incident.reference, 2, 1, 1, 1)
    assert waiting["community"] is None and waiting["ack_deadline"] == callout.ack_deadline
    # when the second accepts, the call-out is filled; nobody is left pending
    callout_accept(callout_id=callout.pk, actor=budi)
    callout.refresh_from_db()
    assert callout.status == CallOut.Status.FILLED and callout.filled_at is not None
    assert callouts_waiting(centre_ids=[incident.command_centre_id]) == []
    filled = TimelineEvent.objects.get(kind="callout.filled")
    assert [t["volunteer_name"] for t in filled.payload["taken"]] == ["Ani", "Budi"]
    assert kinds(incident) == ["callout.sent", "callout.accepted", "callout.declined", "callout.accepted", "callout.filled"]
    # accepting again is a no-op; the reply is kept
    again = callout_accept(callout_id=callout.pk, actor=ani)
    assert again.reply == "10 menit lagi" and TimelineEvent.objects.filter(kind="callout.accepted").count() == 2


def test_accept_after_filled_is_409_callout_filled_and_stand_down_text_names_who(make_incident, call_taker, members):
    incident = make_incident()
    callout = callout_create(incident_id=incident.pk, actor=call_taker, skills=["first_aid"], radius_m=5000, needed=1)
    callout_accept(callout_id=callout.pk, actor=members["ani"].user)
    with pytest.raises(Conflict) as err:
        callout_accept(callout_id=callout.pk, actor=members["budi"].user)
    assert err.value.code == "callout_filled" and err.value.status_code == 409
    assert err.value.as_dict()["accepted"] == 1
    stood = CallOutResponse.objects.get(callout=callout, volunteer=members["budi"])
    assert stood.status == "stood_down" and stood.stood_down_reason == "filled" and stood.stood_down_at is not None
    text = Notification.objects.get(reason="callout_filled", recipient=members["budi"].phone).body
    assert "Ani" in text and "terpenuhi" in text


def test_progress_then_done_completes_and_busy_member_not_alerted_again(make_incident, call_taker, members):
    incident = make_incident()
    callout = callout_create(incident_id=incident.pk, actor=call_taker, skills=["first_aid"], radius_m=5000, needed=1)
    ani = members["ani"].user
    callout_accept(callout_id=callout.pk, actor=ani)
    callout_report_status(callout_id=callout.pk, actor=ani, status="en_route")
    # a second incident nearby: Ani is busy, so she is not alerted
    other = make_incident(description="Orang pingsan")
    second = callout_create(incident_id=other.pk, actor=call_taker, skills=["first_aid"], radius_m=5000, needed=1)
    assert members["ani"].pk not in set(second.responses.values_list("volunteer_id", flat=True))
    callout_report_status(callout_id=callout.pk, actor=ani, status="on_scene", note="korban sadar")
    with pytest.raises(IllegalTransition):  # no way back
        callout_report_status(callout_id=callout.pk, actor=ani, status="en_route")
    response = callout_report_status(callout_id=callout.pk, actor=ani, status="done")
    callout.refresh_from_db()
    assert response.on_scene_at and response.done_at and response.note == "korban sadar"
    assert callout.status == CallOut.Status.COMPLETED


def test_withdraw_reopens_a_filled_callout(make_incident, call_taker, members):
    incident = make_incident()
    callout = callout_create(incident_id=incident.pk, actor=call_taker, skills=["first_aid"], radius_m=5000, needed=1)
    callout_accept(callout_id=callout.pk, actor=members["ani"].user)
    callout_withdraw(callout_id=callout.pk, actor=members["ani"].user, reply="motor mogok")
    callout.refresh_from_db()
    assert callout.status == CallOut.Status.SENT
    # Budi, stood down when it filled, may accept now
    callout_accept(callout_id=callout.pk, actor=members["budi"].user)
    callout.refresh_from_db()
    assert callout.status == CallOut.Status.FILLED


def test_cancel_stands_everyone_down_and_member_cannot_accept(make_incident, call_taker, members):
    incident = make_incident()
    callout = callout_create(incident_id=incident.pk, actor=call_taker, skills=["first_aid"], radius_m=5000, needed=2)
    callout_accept(callout_id=callout.pk, actor=members["ani"].user)
    callout_cancel(callout_id=callout.pk, actor=call_taker, reason="api sudah padam")
    assert set(callout.responses.values_list("status", "stood_down_reason")) == {("stood_down", "cancelled")}
    with pytest.raises(Conflict) as err:
        callout_accept(callout_id=callout.pk, actor=members["budi"].user)
    assert err.value.code == "callout_closed"
    assert Notification.objects.filter(reason="callout_cancelled").count() == 3
    callout_cancel(callout_id=callout.pk, actor=call_taker)  # twice: no-op
    assert TimelineEvent.objects.filter(kind="callout.cancelled").count() == 1


def test_member_not_alerted_gets_404(make_incident, call_taker, members, make_member):
    far = make_member("Jauh", metres=9000)
    callout = callout_create(incident_id=make_incident().pk, actor=call_taker, skills=["first_aid"], radius_m=1000, needed=1)
    with pytest.raises(NotFound):
        callout_accept(callout_id=callout.pk, actor=far.user)


def test_nobody_to_alert_stores_nothing(make_incident, call_taker, members):
    incident = make_incident()
    with pytest.raises(Conflict) as err:
        callout_create(incident_id=incident.pk, actor=call_taker, skills=["snake_handling"], radius_m=5000, needed=1)
    assert err.value.code == "no_volunteers_available"
    assert not CallOut.objects.exists() and not TimelineEvent.objects.filter(kind__startswith="callout.").exists()


def test_a_closed_incident_does_not_keep_its_volunteers_busy(make_incident, call_taker, members):
    from incidents.services import incident_close

    first = make_incident()
    callout = callout_create(incident_id=first.pk, actor=call_taker, skills=["first_aid"], radius_m=5000, needed=1)
    callout_accept(callout_id=callout.pk, actor=members["ani"].user)
    incident_close(incident_id=first.pk, actor=call_taker, note="selesai")
    # Ani never pressed "done"; the incident is closed: she is alertable again
    second = callout_create(incident_id=make_incident().pk, actor=call_taker, skills=["first_aid"], radius_m=5000, needed=1)
    assert members["ani"].pk in set(second.responses.values_list("volunteer_id", flat=True))
