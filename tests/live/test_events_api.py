"""GET /api/v1/events/?after=<seq>&limit=: the caller's events, oldest first, paged by seq."""
import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from tests import factories as f

pytestmark = pytest.mark.django_db


def client_for(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_feed_is_scoped_ordered_and_paged_by_seq(call_taker, make_incident, fire_category, django_assert_max_num_queries):
    from incidents.services import incident_create

    smd = f.samarinda_centre()
    smd_ct = f.call_taker(smd, username="ct_smd")
    mine = [make_incident(description=f"api {i}") for i in range(3)]
    theirs, _ = incident_create(actor=smd_ct, category=fire_category.code, location=Point(*f.SMD, srid=4326),
                                caller_number="081200001111", description="SMD")
    api = client_for(call_taker)

    with django_assert_max_num_queries(6):
        page = api.get("/api/v1/events/", {"after": 0, "limit": 2}).json()
    assert [e["incident"] for e in page["results"]] == [mine[0].pk, mine[1].pk]
    assert set(page["results"][0]) >= {"seq", "kind", "at", "incident", "actor", "payload"}
    assert page["has_more"] is True
    page2 = api.get("/api/v1/events/", {"after": page["next_after"], "limit": 2}).json()
    assert [e["incident"] for e in page2["results"]] == [mine[2].pk]
    assert page2["has_more"] is False
    assert page2["last_seq"] >= page2["next_after"]
    # Samarinda's incident is not in Palangka Raya's feed, and the other way round
    smd_feed = client_for(smd_ct).get("/api/v1/events/").json()
    assert [e["incident"] for e in smd_feed["results"]] == [theirs.pk]


def test_feed_rejects_bad_input_and_anonymous_callers(call_taker):
    bad = client_for(call_taker).get("/api/v1/events/", {"after": "x"})
    assert bad.status_code == 400 and "after" in bad.json()["error"]["fields"]
    assert client_for(call_taker).get("/api/v1/events/", {"limit": 5000}).status_code == 400
    assert APIClient().get("/api/v1/events/").status_code in (401, 403)


def test_feed_of_one_incident(call_taker, make_incident, fire_category):
    a, b = make_incident(description="satu"), make_incident(description="dua")
    api = client_for(call_taker)
    page = api.get("/api/v1/events/", {"after": 0, "incident": b.pk}).json()
    assert [e["incident"] for e in page["results"]] == [b.pk]
    # an incident of another centre is "not found" for this call-taker
    smd_ct = f.call_taker(f.samarinda_centre(), username="ct_smd")
    r = client_for(smd_ct).get("/api/v1/events/", {"incident": a.pk})
    assert r.status_code == 404 and r.json()["error"]["code"] == "incident_not_found"
    r = api.get("/api/v1/events/", {"incident": "x"})
    assert r.status_code == 400 and "incident" in r.json()["error"]["fields"]
