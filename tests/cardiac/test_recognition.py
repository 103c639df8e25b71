"""The recognition rule (issue 30): every combination of the two answers, on create and on a PATCH of answers."""
import itertools

import pytest

from incidents import cardiac
from incidents.models import CardiacArrest, Incident, TimelineEvent
from tests.cardiac.conftest import api_for, error_of

pytestmark = pytest.mark.django_db

VALUES = [True, False, "unsure", cardiac.__name__]  # the last one stands for "not answered" (key left out)
MISSING = cardiac.__name__


def _answers(conscious, breathing):
    answers = {}
    if conscious is not MISSING:
        answers["conscious"] = conscious
    if breathing is not MISSING:
        answers["breathing"] = breathing
    return answers


def _expected(conscious, breathing):
    no = (False, "unsure")
    return conscious in no and breathing in no


@pytest.mark.parametrize("conscious,breathing", list(itertools.product(VALUES, VALUES)))
def test_the_rule_over_every_combination(conscious, breathing):
    # given the two answers (each true, false, "unsure" or missing) / when the rule reads them / then only
    # "no or unsure" twice is a suspected arrest
    assert cardiac.is_suspected(_answers(conscious, breathing)) is _expected(conscious, breathing)


@pytest.mark.parametrize("conscious,breathing", list(itertools.product(VALUES, VALUES)))
def test_create_flags_exactly_the_suspected_combinations(make_medical, conscious, breathing, django_capture_on_commit_callbacks):
    # given a medical call answered with this combination
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_medical(answers=_answers(conscious, breathing), priority=3)
    incident = Incident.objects.get(pk=incident.pk)
    suspected = _expected(conscious, breathing)
    # then a suspicion is P1 with its block and one recognition event; anything else keeps what was chosen
    assert incident.cardiac_arrest_suspected is suspected
    assert CardiacArrest.objects.filter(incident=incident).exists() is suspected
    kinds = list(TimelineEvent.objects.filter(incident=incident).order_by("seq").values_list("kind", flat=True))
    if suspected:
        assert incident.priority == 1
        assert kinds[:2] == ["incident.created", "cardiac_arrest.recognised"]
        assert cardiac.block_for(incident)["recognition"] == "answers"
    else:
        assert "cardiac_arrest.recognised" not in kinds
        assert cardiac.block_for(incident) is None
        assert incident.priority == 3  # the priority the call-taker chose stands


@pytest.mark.parametrize("value", ["no", "tidak", 0, 1, "", "UNSURE", [], {"a": 1}, 2.5])
def test_other_values_are_refused_and_nothing_is_stored(call_taker, medical, psc, pky_point, value):
    body = {"category": "medis", "location": {"type": "Point", "coordinates": list(pky_point.coords)},
            "caller_number": "081234567890", "answers": {"conscious": value, "breathing": False}}
    err = error_of(api_for(call_taker).post("/api/v1/incidents/", body, format="json"), 400)
    assert err["code"] == "invalid_answers" or "answers" in err.get("fields", {})
    assert not Incident.objects.exists()


def test_other_questions_are_unchanged(make_medical):
    # free text and the other booleans take what they always took
    incident = make_medical(answers={"age": "60 tahun", "bleeding": True})
    assert incident.answers == {"age": "60 tahun", "bleeding": True}
    assert not incident.cardiac_arrest_suspected


def test_a_category_without_the_two_questions_never_suspects(make_incident):
    incident = make_incident(answers={"people_trapped": True})
    assert cardiac.block_for(incident) is None


def test_api_detail_and_list_carry_the_block(call_taker, make_medical, make_aed):
    make_aed("RSUD Doris Sylvanus", metres=200)
    make_aed("Jauh", metres=5000)
    incident = make_medical(answers={"conscious": False, "breathing": "unsure"})
    other = make_medical(answers={"conscious": True})
    api = api_for(call_taker)
    detail = api.get(f"/api/v1/incidents/{incident.pk}/").json()
    block = detail["cardiac_arrest"]
    assert block["suspected"] is True and block["recognised_at"] and block["first_compression_at"] is None
    assert [a["name"] for a in block["nearest_aeds"]] == ["RSUD Doris Sylvanus"]
    assert 150 <= block["nearest_aeds"][0]["distance_m"] <= 250
    assert api.get(f"/api/v1/incidents/{other.pk}/").json()["cardiac_arrest"] is None
    rows = {r["id"]: r for r in api.get("/api/v1/incidents/").json()["results"]}
    assert rows[incident.pk]["cardiac_arrest"]["suspected"] is True
    assert rows[other.pk]["cardiac_arrest"] is None


def test_the_live_summary_carries_the_block(make_medical):
    incident = make_medical(answers={"conscious": False, "breathing": False})
    event = TimelineEvent.objects.get(incident=incident, kind="incident.created")
    assert event.payload["incident"]["cardiac_arrest"]["suspected"] is True
    assert event.payload["incident"]["priority"] == 1


def test_a_patch_that_newly_meets_the_rule_flags_once(call_taker, make_medical, django_capture_on_commit_callbacks):
    incident = make_medical(answers={"conscious": False}, priority=2)
    assert incident.priority == 2 and not incident.cardiac_arrest_suspected
    api = api_for(call_taker)
    with django_capture_on_commit_callbacks(execute=True):
        r = api.patch(f"/api/v1/incidents/{incident.pk}/", {"answers": {"conscious": False, "breathing": "unsure"}}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["cardiac_arrest"]["recognition"] == "answers"
    assert r.json()["priority"] == 1
    # a second PATCH that still meets the rule adds nothing
    api.patch(f"/api/v1/incidents/{incident.pk}/", {"answers": {"conscious": "unsure", "breathing": "unsure"}}, format="json")
    assert TimelineEvent.objects.filter(incident=incident, kind="cardiac_arrest.recognised").count() == 1
    assert CardiacArrest.objects.filter(incident=incident).count() == 1


def test_the_supervisor_board_shows_the_arrest(centre, make_medical):
    from tests import factories as f

    arrest = make_medical(answers={"conscious": False, "breathing": False})
    other = make_medical(answers={"conscious": True})
    sup = f.supervisor(centre, username="sup_board")
    api = api_for(sup)
    snapshot = api.get("/api/v1/board/").json()
    rows = {r["id"]: r for r in snapshot["incidents"]}
    assert rows[arrest.pk]["cardiac_arrest"]["suspected"] is True and rows[arrest.pk]["priority"] == 1
    assert rows[other.pk]["cardiac_arrest"] is None
    detail = api.get(f"/api/v1/board/incidents/{arrest.pk}/").json()
    assert detail["cardiac_arrest"]["recognition"] == "answers"
