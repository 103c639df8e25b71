"""duplicate_candidates and GET /api/v1/incidents/duplicates/: radius, time window, category, caller number, scope."""
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.models import Incident
from incidents.selectors import duplicate_candidates
from tests import factories as f

pytestmark = pytest.mark.django_db


def offset(point, metres_north):
    return Point(point.x, point.y + metres_north / 111_320, srid=4326)


@pytest.fixture
def categories(fire_category):
    collapse = f.CategoryFactory(code="rumah-roboh", name_id="Rumah roboh", name_en="Collapsed building", responsible_agency_types=["disaster"])
    flood = f.CategoryFactory(code="banjir", name_id="Banjir", name_en="Flood", responsible_agency_types=["disaster"])
    fire_category.related.add(collapse)
    return {"fire": fire_category, "collapse": collapse, "flood": flood}


def ids(rows):
    return [r["id"] for r in rows]


def test_radius_category_and_related(make_incident, pky_point, categories, centre):
    # given open incidents around the caller
    near_fire = make_incident(location=offset(pky_point, 200), caller_number="0811111")
    near_collapse = make_incident(category="rumah-roboh", location=offset(pky_point, 300), caller_number="0811112")
    near_flood = make_incident(category="banjir", location=offset(pky_point, 100), caller_number="0811113")
    far_fire = make_incident(location=offset(pky_point, 800), caller_number="0811114")
    # when the call-taker picks "kebakaran" at the point
    rows = duplicate_candidates(centre_ids=[centre.pk], category=categories["fire"], point=pky_point, caller_number="", radius_m=500, window_min=60)
    # then the same and related category within 500 m come back, nearest first; the flood and the far fire do not
    assert ids(rows) == [near_fire.pk, near_collapse.pk]
    assert rows[0]["distance_m"] == pytest.approx(200, abs=2)
    # a wider radius includes the far fire
    rows = duplicate_candidates(centre_ids=[centre.pk], category=categories["fire"], point=pky_point, caller_number="", radius_m=1000, window_min=60)
    assert far_fire.pk in ids(rows)
    # no category yet: everything nearby
    rows = duplicate_candidates(centre_ids=[centre.pk], category=None, point=pky_point, caller_number="", radius_m=500, window_min=60)
    assert set(ids(rows)) == {near_fire.pk, near_collapse.pk, near_flood.pk}


def test_time_window_and_open_status(make_incident, pky_point, centre, call_taker):
    from incidents.services import incident_cancel

    old = make_incident(caller_number="0811111")
    recent = make_incident(caller_number="0811112")
    cancelled = make_incident(caller_number="0811113")
    Incident.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=90))
    incident_cancel(incident_id=cancelled.pk, actor=call_taker, reason="salah input")
    rows = duplicate_candidates(centre_ids=[centre.pk], category=old.category, point=pky_point, caller_number="", radius_m=500, window_min=60)
    assert ids(rows) == [recent.pk]
    rows = duplicate_candidates(centre_ids=[centre.pk], category=old.category, point=pky_point, caller_number="", radius_m=500, window_min=120)
    assert set(ids(rows)) == {old.pk, recent.pk}


def test_same_caller_any_distance_and_age_on_top(make_incident, pky_point, centre):
    mine = make_incident(caller_number="08123", location=offset(pky_point, 5000))
    Incident.objects.filter(pk=mine.pk).update(created_at=timezone.now() - timedelta(hours=5))
    near = make_incident(caller_number="0899", location=offset(pky_point, 50))
    rows = duplicate_candidates(centre_ids=[centre.pk], category=mine.category, point=pky_point, caller_number="08123", radius_m=500, window_min=60)
    assert ids(rows) == [mine.pk, near.pk]
    assert rows[0]["same_caller"] is True and rows[1]["same_caller"] is False
    # a number alone, no point yet
    rows = duplicate_candidates(centre_ids=[centre.pk], category=None, point=None, caller_number="08123", radius_m=500, window_min=60)
    assert ids(rows) == [mine.pk]
    assert duplicate_candidates(centre_ids=[centre.pk], category=None, point=None, caller_number="", radius_m=500, window_min=60) == []


def test_scoped_to_the_centres_given(make_incident, pky_point, centre, fire_category):
    smd = f.samarinda_centre()
    smd_taker = f.call_taker(smd, username="ct_smd")
    from incidents.services import incident_create

    theirs, _ = incident_create(actor=smd_taker, category="kebakaran", location=Point(*f.SMD, srid=4326), caller_number="0812")
    mine = make_incident(caller_number="0812")
    rows = duplicate_candidates(centre_ids=[centre.pk], category=None, point=Point(*f.SMD, srid=4326), caller_number="0812", radius_m=500, window_min=60)
    assert ids(rows) == [mine.pk]
    rows = duplicate_candidates(centre_ids=None, category=None, point=Point(*f.SMD, srid=4326), caller_number="", radius_m=500, window_min=60)
    assert ids(rows) == [theirs.pk]


@override_settings(DUPLICATE_RADIUS_M=150)
def test_endpoint_uses_settings_and_scope(make_incident, pky_point, call_taker, categories, damkar_dispatcher):
    near = make_incident(location=offset(pky_point, 100), caller_number="0811")
    make_incident(location=offset(pky_point, 300), caller_number="0812")
    client = APIClient()
    client.force_authenticate(call_taker)
    resp = client.get("/api/v1/incidents/duplicates/", {"category": "kebakaran", "lat": pky_point.y, "lon": pky_point.x})
    assert resp.status_code == 200
    body = resp.json()
    assert body["radius_m"] == 150 and body["window_min"] == 60
    assert [r["id"] for r in body["results"]] == [near.pk]
    assert body["results"][0]["reference"] == near.reference
    # unknown category: a field error in the one error shape
    resp = client.get("/api/v1/incidents/duplicates/", {"category": "tidak-ada", "lat": pky_point.y, "lon": pky_point.x})
    assert resp.status_code == 400 and "category" in resp.json()["error"]["fields"]
    # a dispatcher has no centre: nothing
    client.force_authenticate(damkar_dispatcher)
    assert client.get("/api/v1/incidents/duplicates/", {"lat": pky_point.y, "lon": pky_point.x}).json()["results"] == []


def test_selector_query_count(make_incident, pky_point, centre, categories, django_assert_max_num_queries):
    for i in range(5):
        make_incident(location=offset(pky_point, 50 * i), caller_number=f"08{i}")
    with django_assert_max_num_queries(2):
        rows = duplicate_candidates(centre_ids=[centre.pk], category=categories["fire"], point=pky_point, caller_number="081", radius_m=500, window_min=60)
    assert len(rows) == 5
