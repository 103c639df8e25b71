"""The platform's own call-out on a suspected arrest (issue 30): radius, count, skills, the AED runner, nobody
available → the call-taker is told; existing call-outs unchanged."""
import pytest

from incidents.models import Notification, TimelineEvent
from tests.cardiac.conftest import api_for
from volunteers.models import CallOut
from volunteers.cardiac import choose_responders, metres_between
from tests.cardiac.conftest import offset

pytestmark = pytest.mark.django_db


@pytest.fixture
def arrest(make_medical, django_capture_on_commit_callbacks):
    def make(**kw):
        with django_capture_on_commit_callbacks(execute=True):
            return make_medical(answers={"conscious": False, "breathing": "unsure"}, **kw)

    return make


def _cardiac_callouts(incident):
    return list(CallOut.objects.filter(incident=incident, purpose=CallOut.Purpose.CARDIAC_ARREST).order_by("pk"))


def _alerted(callout):
    return sorted(r.volunteer.name for r in callout.responses.select_related("volunteer"))


def test_the_three_nearest_cpr_members_within_the_radius_go_to_the_patient(make_member, arrest):
    # given CPR-trained members at 100, 200, 300 and 400 m, one at 900 m (beyond 800 m), one with first aid only at 50 m
    for name, m in (("Ani", 100), ("Budi", 200), ("Citra", 300), ("Dedi", 400), ("Eka", 900)):
        make_member(name, metres=m)
    make_member("Fajar", skills=("first_aid",), metres=50)
    # when an arrest is recognised (no AED registered)
    incident = arrest()
    # then one call-out to the three nearest, all three needed; no runner without an AED
    [callout] = _cardiac_callouts(incident)
    assert _alerted(callout) == ["Ani", "Budi", "Citra"]
    assert callout.needed == 3 and callout.aed_id is None and callout.sent_by_id is None
    assert callout.skills == ["cpr"] and callout.radius_m == 800
    texts = list(Notification.objects.filter(reason="callout").values_list("body", flat=True))
    assert len(texts) == 3 and all("HENTI JANTUNG" in t and "Jl. Tjilik Riwut km 2" in t and "RJP" in t for t in texts)
    assert not any("081234567890" in t for t in texts)  # never the caller's number


def test_one_more_fetches_the_nearest_aed(make_member, make_aed, arrest):
    # given an AED 400 m east; CPR members at 100/150/200 m west, and Dewi (aed skill) at 500 m east (next to the AED)
    aed = make_aed("Mall Citimall", metres=400)
    for name, m in (("Ani", -100), ("Budi", -150), ("Citra", -200)):
        make_member(name, metres=m)
    make_member("Dewi", skills=("aed",), metres=500)
    make_member("Edo", metres=-600)
    incident = arrest()
    patient, runner = _cardiac_callouts(incident)
    assert _alerted(patient) == ["Ani", "Budi", "Citra"]
    # Dewi: 100 m to the AED + 400 m to the patient beats Edo's 1,000 + 400
    assert _alerted(runner) == ["Dewi"] and runner.aed_id == aed.pk and runner.needed == 1
    assert incident.cardiac_arrest.nearest_aeds[0]["id"] == aed.pk
    body = Notification.objects.get(recipient__endswith=str(runner.responses.get().volunteer.phone)[-8:], reason="callout").body
    assert "Mall Citimall" in body and "AED" in body
    # the runner's phone shows the AED, the address and the CPR reminder
    data = api_for(runner.responses.get().volunteer.user).get(f"/api/v1/callouts/{runner.pk}/").json()
    assert data["purpose"] == "cardiac_arrest" and data["aed"]["name"] == "Mall Citimall"
    assert data["aed"]["location"]["coordinates"] == [aed.location.x, aed.location.y]
    assert data["address"] == "Jl. Tjilik Riwut km 2" and "Tekan sekuat" in data["cpr_reminder"]


def test_nobody_available_tells_the_call_taker(make_member, make_aed, arrest):
    make_aed("RSUD", metres=300)
    make_member("Jauh", metres=2000)
    incident = arrest()
    assert _cardiac_callouts(incident) == []
    told = list(TimelineEvent.objects.filter(incident=incident, kind="callout.none_available").order_by("seq"))
    assert [e.payload["role"] for e in told] == ["cpr", "aed_runner"]
    assert told[0].payload["radius_m"] == 800 and told[1].payload["aed"] is not None


def test_nobody_left_for_the_aed_is_said(make_member, make_aed, arrest):
    make_aed("RSUD", metres=300)
    make_member("Ani", metres=100)
    incident = arrest()
    [patient] = _cardiac_callouts(incident)
    assert _alerted(patient) == ["Ani"] and patient.needed == 1
    told = TimelineEvent.objects.get(incident=incident, kind="callout.none_available")
    assert told.payload["role"] == "aed_runner"


def test_the_centre_can_turn_it_off_and_set_the_radius(centre, make_member, arrest):
    make_member("Ani", metres=1200)
    centre.cardiac_radius_m = 1500
    centre.save(update_fields=["cardiac_radius_m"])
    incident = arrest()
    [callout] = _cardiac_callouts(incident)
    assert _alerted(callout) == ["Ani"] and callout.radius_m == 1500
    centre.cardiac_auto_callout = False
    centre.save(update_fields=["cardiac_auto_callout"])
    second = arrest(caller_number="081299990000")
    assert _cardiac_callouts(second) == []
    assert not TimelineEvent.objects.filter(incident=second, kind="callout.none_available").exists()


def test_it_runs_once_per_incident(make_member, arrest, call_taker, django_capture_on_commit_callbacks):
    from volunteers.cardiac import callout_cardiac_arrest

    make_member("Ani", metres=100)
    incident = arrest()
    assert callout_cardiac_arrest(incident_id=incident.pk) == []
    assert len(_cardiac_callouts(incident)) == 1


def test_a_busy_member_is_not_alerted_twice(make_member, arrest):
    make_member("Ani", metres=100)
    first = arrest()
    second = arrest(caller_number="081299990000")
    assert _alerted(_cardiac_callouts(first)[0]) == ["Ani"]
    # Ani is alerted (pending), not yet busy: she may be alerted again; once she accepted, she is busy
    from volunteers.services import callout_accept
    callout_accept(callout_id=_cardiac_callouts(first)[0].pk, member=_cardiac_callouts(first)[0].responses.get().volunteer)
    third = arrest(caller_number="081299990001")
    assert _cardiac_callouts(third) == []
    assert _alerted(_cardiac_callouts(second)[0]) == ["Ani"]


def test_existing_call_outs_are_general_and_unchanged(make_member, make_incident, call_taker):
    make_member("Ani", skills=("first_aid",), metres=100)
    incident = make_incident()
    r = api_for(call_taker).post(f"/api/v1/incidents/{incident.pk}/callouts/", {"skills": ["first_aid"], "radius_m": 500, "needed": 1}, format="json")
    assert r.status_code == 201, r.content
    callout = CallOut.objects.get(incident=incident)
    assert callout.purpose == "general" and callout.aed_id is None
    event = TimelineEvent.objects.get(incident=incident, kind="callout.sent")
    assert event.payload["callout"]["purpose"] == "general" and event.payload["callout"]["aed"] is None
    body = Notification.objects.get(reason="callout").body
    assert body.startswith("PANGGILAN RELAWAN 112")


def test_choose_responders_is_a_pure_function():
    class M:
        def __init__(self, pk, skills, metres):
            self.pk, self.skills, self.location = pk, skills, offset(metres)

    patient = offset(0)
    members = [M(1, ["cpr"], 50), M(2, ["aed"], 60), M(3, ["cpr"], 70), M(4, ["cpr"], 80), M(5, ["cpr"], 90), M(6, ["aed"], 700)]
    group, runner = choose_responders(members, patient=patient, aed_point=offset(650))
    assert [m.pk for m in group] == [1, 3, 4]
    assert runner.pk == 6  # 50 m to the AED + 650 back beats 5's 560 + 650
    group, runner = choose_responders(members, patient=patient, aed_point=None)
    assert runner is None
    assert 99 < metres_between(offset(0), offset(100)) < 101
