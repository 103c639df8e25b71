"""The server's side of a console that outlives it (issue 26): the heartbeat, the reference copy, and a call started
offline created once when it is sent again."""
import datetime
import json
import re
import uuid

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from agencies.models import Landmark, Region
from incidents.models import Call, TimelineEvent
from tests import factories as f
from tests.api.conftest import assert_error, client_for
from tests.api.race import race


def test_ping_answers_without_a_session_or_the_database(client):
    # no django_db mark: any query (a session, a user) would fail this test
    r = client.get("/api/v1/ping/")
    assert r.status_code == 200 and r.json()["ok"] is True
    assert r["Cache-Control"] == "no-store"


def _village(code, name, lon, lat, parent):
    return Region.objects.create(code=code, level=Region.Level.VILLAGE, name=name, parent=parent, timezone=parent.timezone,
                                 boundary=f.square(lon, lat, half=0.01), centroid=Point(lon, lat, srid=4326))


@pytest.fixture
def places(centre, smd_centre):
    pky_regency = Region.objects.get(code="62.71")
    district = Region.objects.create(code="62.71.01", level=Region.Level.DISTRICT, name="Pahandut", parent=pky_regency,
                                     timezone=pky_regency.timezone, centroid=Point(113.93, -2.21, srid=4326))
    _village("62.71.01.1001", "Panarung", 113.92, -2.22, district)
    smd_district = Region.objects.create(code="64.72.01", level=Region.Level.DISTRICT, name="Samarinda Ulu",
                                         parent=Region.objects.get(code="64.72"), timezone="Asia/Makassar",
                                         centroid=Point(117.15, -0.48, srid=4326))
    _village("64.72.01.1001", "Air Hitam", 117.15, -0.49, smd_district)
    Landmark.objects.create(command_centre=centre, name="Bundaran Besar", location=Point(113.91, -2.21, srid=4326))
    Landmark.objects.create(command_centre=smd_centre, name="Masjid Islamic Center", location=Point(117.14, -0.50, srid=4326))
    f.AgencyFactory(command_centre=centre, name="Damkar Palangka Raya")
    f.AgencyFactory(command_centre=smd_centre, name="Damkar Samarinda")


@pytest.mark.django_db
class TestOfflineReference:
    def test_the_centres_categories_places_and_agencies_and_nothing_of_another_centre(self, api, places, fire_category):
        r = api.get("/api/v1/reference/offline/")
        assert r.status_code == 200, r.content
        body = r.json()
        assert body["centre"] == "pky"
        assert [c["code"] for c in body["categories"]] == ["kebakaran"]
        assert body["categories"][0]["question_script"][0]["key"] == "people_trapped"
        rows = [dict(zip(body["places_fields"], p)) for p in body["places"]]
        names = {p["name"]: p for p in rows}
        assert set(names) == {"Pahandut", "Panarung", "Bundaran Besar"}
        panarung = names["Panarung"]
        assert panarung["kind"] == "village" and panarung["code"] == "62.71.01.1001" and panarung["detail"] == "Pahandut"
        assert (panarung["lat"], panarung["lon"]) == (-2.22, 113.92) and 500 < panarung["accuracy_m"] < 2000
        assert [a["name"] for a in body["agencies"]] == ["Damkar Palangka Raya"]
        assert "Samarinda" not in r.content.decode() and "Air Hitam" not in r.content.decode()

    def test_etag_answers_304_until_the_data_changes(self, api, places, fire_category, centre):
        first = api.get("/api/v1/reference/offline/")
        etag = first["ETag"]
        assert etag.startswith('"') and first["Cache-Control"] == "private, no-cache"
        again = api.get("/api/v1/reference/offline/", HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
        Landmark.objects.create(command_centre=centre, name="RSUD Doris Sylvanus", location=Point(113.9, -2.2, srid=4326))
        changed = api.get("/api/v1/reference/offline/", HTTP_IF_NONE_MATCH=etag)
        assert changed.status_code == 200 and changed["ETag"] != etag
        assert "RSUD Doris Sylvanus" in changed.content.decode()

    def test_another_centre_reads_its_own(self, smd_api, places, fire_category):
        body = smd_api.get("/api/v1/reference/offline/").json()
        assert body["centre"] == "smd"
        assert {p[2] for p in body["places"]} == {"Samarinda Ulu", "Air Hitam", "Masjid Islamic Center"}
        assert [a["name"] for a in body["agencies"]] == ["Damkar Samarinda"]

    def test_only_centre_staff_and_admins_naming_the_centre(self, api, dispatcher_api, client, places, fire_category):
        assert_error(dispatcher_api.get("/api/v1/reference/offline/"), 404)
        assert client.get("/api/v1/reference/offline/").status_code in (401, 403)
        # a call-taker naming another centre reads nothing of it
        assert_error(api.get("/api/v1/reference/offline/?command_centre=smd"), 404)
        assert api.get("/api/v1/reference/offline/?command_centre=pky").json()["centre"] == "pky"
        admin = client_for(f.UserFactory(username="adm", role="admin", command_centre=None, is_staff=True, is_superuser=True))
        assert_error(admin.get("/api/v1/reference/offline/"), 404)
        assert admin.get("/api/v1/reference/offline/?command_centre=smd").json()["centre"] == "smd"


def _start(client, key, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post("/api/v1/calls/start/", body, format="json", **headers)


@pytest.mark.django_db
class TestCallClientKey:
    def test_a_repeated_key_answers_the_first_call(self, api):
        key = str(uuid.uuid4())
        answered = (timezone.now() - datetime.timedelta(minutes=3)).replace(microsecond=0)
        first = _start(api, key, caller_number="081234500001", answered_at=answered.isoformat())
        assert first.status_code == 201, first.content
        again = _start(api, key, caller_number="081234500001", answered_at=answered.isoformat())
        assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
        call = Call.objects.get()
        assert call.client_key == key and call.answered_at == answered  # when it was really answered, offline
        assert TimelineEvent.objects.filter(kind="call.answered").count() == 1

    def test_without_a_key_every_start_is_a_call(self, api):
        assert _start(api, None).status_code == 201 and _start(api, None).status_code == 201
        assert Call.objects.count() == 2

    def test_another_centre_with_the_same_key_has_its_own_call(self, api, smd_api):
        key = str(uuid.uuid4())
        a, b = _start(api, key), _start(smd_api, key)
        assert a.status_code == 201 and b.status_code == 201 and a.json()["id"] != b.json()["id"]
        assert {c.command_centre.code for c in Call.objects.all()} == {"pky", "smd"}

    def test_another_call_taker_of_the_centre_does_not_get_the_call(self, api, centre):
        key = str(uuid.uuid4())
        _start(api, key)
        other = client_for(f.call_taker(centre, username="ct_other"))
        assert_error(_start(other, key), 409, "idempotency_key_in_use")
        assert Call.objects.count() == 1

    @pytest.mark.parametrize("bad", ["short", "with space in it", "x" * 101, "ünïcode-key-1234"])
    def test_a_bad_key_is_refused_and_stores_nothing(self, api, bad):
        assert_error(_start(api, bad), 400, "invalid", "idempotency_key")
        assert not Call.objects.exists()

    def test_an_answer_time_a_day_old_is_refused(self, api):
        old = (timezone.now() - datetime.timedelta(days=2)).isoformat()
        assert_error(_start(api, str(uuid.uuid4()), answered_at=old), 400, "too_old", "answered_at")
        assert not Call.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_key_sent_twice_at_once_makes_one_call(centre):
    taker = f.call_taker(centre, username="ct_race")
    key = str(uuid.uuid4())
    results = race(lambda: _start(client_for(taker), key), lambda: _start(client_for(taker), key))
    assert sorted(r.status_code for r in results) == [200, 201], [getattr(r, "content", r) for r in results]
    assert len({r.json()["id"] for r in results}) == 1
    assert Call.objects.filter(client_key=key).count() == 1
    assert TimelineEvent.objects.filter(kind="call.answered").count() == 1


@pytest.mark.django_db
def test_the_service_worker_is_served_at_the_root_uncached_with_the_consoles_files(client):
    r = client.get("/sw.js")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/javascript")
    assert r["Service-Worker-Allowed"] == "/" and r["Cache-Control"] == "no-cache"
    body = r.content.decode()
    assert "__SW_VERSION__" not in body and "{{" not in body
    statics = json.loads(re.search(r"const STATICS = (\[.*?\]);", body).group(1))
    pages = json.loads(re.search(r"const PAGES = (\[.*?\]);", body).group(1))
    assert {"/static/js/calltaker/main.js", "/static/js/lib/outbox.js", "/static/js/dispatcher.js", "/static/js/crew.js",
            "/static/css/calltaker.css", "/static/leaflet/leaflet.js"} <= set(statics)
    assert not any(s.startswith("/api/") for s in statics)
    assert pages == ["/console/call-taker/", "/console/dispatcher/", "/crew/"]
    # the only API answer it keeps is the offline reference data
    assert re.findall(r"/api/v1/[\w/]+", body) == ["/api/v1/reference/offline/"]
    # a static file changed is a new worker: its version follows the files' contents
    version = re.search(r'const VERSION = "(\w+)"', body).group(1)
    assert len(version) == 16 and client.get("/sw.js").content.decode() == body
