"""The national region list, the demo data, point-in-polygon over the demo boundaries, and the admin.

Loading 91,599 regions takes a few seconds, so this module loads them (and the demo) once, committed,
and flushes the database when it is done; each test runs in its own transaction on top.
"""
import time
from itertools import combinations

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from agencies.demo import categories as category_data
from agencies.demo import people
from agencies.demo.geometry import DEMO_BOUNDARY_SOURCE
from agencies.demo.loader import load_demo
from agencies.geo import place_for_point
from agencies.models import Agency, CommandCentre, Landmark, Region, Station, TimeZoneName, Unit, User
from agencies.scoping import scope_for
from incidents.models import EscalationRule, IncidentCategory
from volunteers.models import Volunteer, VolunteerCommunity

PAHANDUT = Point(113.9213, -2.2096, srid=4326)  # near Bundaran Besar / Jl. Tjilik Riwut
SAMARINDA = Point(117.1536, -0.5022, srid=4326)  # Pasar Pagi, Samarinda Kota
MAKASSAR_STRAIT = Point(118.0, -1.0, srid=4326)  # open sea between Kalimantan and Sulawesi

DEMO_MODELS = (Region, CommandCentre, Agency, Station, Unit, Landmark, IncidentCategory, EscalationRule,
               VolunteerCommunity, Volunteer, User, Token)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        started = time.monotonic()
        call_command("load_demo", verbosity=0)
        first_run = time.monotonic() - started
        yield {"first_run_s": first_run}
        # Leave an empty database for the other test modules (factories use the same natural keys).
        call_command("flush", interactive=False, verbosity=0)


def counts():
    return {model.__name__: model.objects.count() for model in DEMO_MODELS}


# --- load_regions ---------------------------------------------------------------------------------

def test_the_whole_national_list_is_loaded_with_parents(demo, db):
    assert Region.objects.filter(level="province").count() == 38
    assert Region.objects.filter(level="regency").count() == 514
    assert Region.objects.filter(level="district").count() == 7285
    assert Region.objects.filter(level="village").count() == 83762
    assert not Region.objects.filter(level="province", parent__isnull=False).exists()
    assert not Region.objects.exclude(level="province").filter(parent__isnull=True).exists()
    for child, parent in (("regency", "province"), ("district", "regency"), ("village", "district")):
        assert not Region.objects.filter(level=child).exclude(parent__level=parent).exists()
    pahandut = Region.objects.select_related("parent__parent").get(code="62.71.01")
    assert pahandut.name == "Pahandut"
    assert pahandut.parent.code == "62.71" and pahandut.parent.parent.name == "Kalimantan Tengah"
    # Statistics refreshed right after the load: otherwise the planner thinks the table is empty and the
    # admin's "villages by code" page sorts all 83k joined rows (measured 1.3 s instead of 0.15 s).
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Region._meta.db_table])
        assert cursor.fetchone()[0] > 90000


def test_time_zones_follow_the_province(demo, db):
    tz = dict(Region.objects.filter(code__in=["62.71", "64.72", "64.01", "31.71", "51.71", "82.71", "91.71", "96.71"]).values_list("code", "timezone"))
    assert tz["62.71"] == TimeZoneName.WIB  # Palangka Raya
    assert tz["31.71"] == TimeZoneName.WIB  # Jakarta
    assert tz["64.72"] == tz["64.01"] == tz["51.71"] == TimeZoneName.WITA  # Samarinda, Paser, Denpasar
    assert tz["82.71"] == tz["91.71"] == tz["96.71"] == TimeZoneName.WIT  # Ternate, Jayapura, Sorong
    assert Region.objects.filter(code__startswith="91.", timezone=TimeZoneName.WIT).count() == Region.objects.filter(code__startswith="91.").count()
    # No region disagrees with its province.
    for province in Region.objects.filter(level="province"):
        assert not Region.objects.filter(code__startswith=province.code + ".").exclude(timezone=province.timezone).exists(), province


def writes(queries):
    return [q["sql"] for q in queries if q["sql"].lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "COPY", "TRUNCATE")]


def test_load_regions_again_is_a_fast_no_op(demo, db):
    before = Region.objects.count()
    with CaptureQueriesContext(connection) as ctx:
        call_command("load_regions", verbosity=0)
    assert len(ctx.captured_queries) <= 4  # one count per level, nothing read from the files
    assert Region.objects.count() == before


# --- load_demo ------------------------------------------------------------------------------------

def test_load_demo_twice_changes_nothing(demo, db):
    before = counts()
    with CaptureQueriesContext(connection) as ctx:
        stats = load_demo()
    assert stats == {}, f"a second run wrote {dict(stats)}"
    assert writes(ctx.captured_queries) == []
    assert len(ctx.captured_queries) < 600  # a few hundred indexed look-ups: about a second
    assert counts() == before


def test_centres_and_supervision(demo, db):
    centres = {c.code: c for c in CommandCentre.objects.prefetch_related("regions")}
    assert set(centres) == {"pky", "smd", "psr"}
    assert [r.code for r in centres["pky"].regions.all()] == ["62.71"]
    assert [r.code for r in centres["smd"].regions.all()] == ["64.72"]
    assert [r.code for r in centres["psr"].regions.all()] == ["64.01"]
    assert (centres["pky"].reference_prefix, centres["pky"].timezone, centres["pky"].province_id) == ("PKY", TimeZoneName.WIB, "62")
    assert centres["smd"].timezone == centres["psr"].timezone == TimeZoneName.WITA
    kaltim = User.objects.get(username="supervisor_kaltim")
    assert kaltim.role == "supervisor" and kaltim.province_id == "64"
    assert scope_for(kaltim).centre_ids == {centres["smd"].pk, centres["psr"].pk}


def test_every_centre_has_the_usual_agencies_with_units(demo, db):
    usual = {"fire", "ems", "police", "disaster", "public_order", "transport", "power", "water", "red_cross", "social"}
    for centre in CommandCentre.objects.all():
        assert usual <= set(centre.agencies.values_list("type", flat=True)), centre
        for kind in ("fire", "ems"):
            n = Unit.objects.filter(agency__command_centre=centre, agency__type=kind).count()
            assert 5 <= n <= 10, (centre.code, kind, n)
    # One Basarnas office serves Samarinda and Paser.
    basarnas = Agency.objects.get(short_name="Basarnas Balikpapan")
    assert set(basarnas.regions.values_list("code", flat=True)) == {"64.72", "64.01"}
    paser = Region.objects.get(code="64.01")
    assert basarnas.jurisdiction.contains(paser.boundary.point_on_surface)
    assert Unit.objects.filter(agency__type="fire", capabilities__contains=["fire_suppression"]).exists()
    assert Unit.objects.filter(type="ambulance", capabilities__contains=["als"]).exists()


def test_backup_agencies_are_set_and_never_loop(demo, db):
    damkar = Agency.objects.get(short_name="Damkar PKY")
    psc = Agency.objects.get(short_name="PSC 119 PKY")
    assert damkar.backup_agency.type == "disaster"
    assert psc.backup_agency.type == "red_cross"
    for agency in Agency.objects.all():
        seen, current = {agency.pk}, agency.backup_agency
        while current is not None:
            assert current.pk not in seen, f"backup loop from {agency}"
            seen.add(current.pk)
            current = current.backup_agency


def test_stations_units_and_landmarks_lie_inside_their_area(demo, db):
    for station in Station.objects.select_related("agency"):
        assert station.agency.jurisdiction.contains(station.location), station
    for unit in Unit.objects.select_related("agency"):
        assert unit.agency.jurisdiction.contains(unit.position), unit
    for landmark in Landmark.objects.select_related("command_centre"):
        regency = place_for_point(landmark.location).regency
        assert regency is not None and landmark.command_centre.regions.filter(pk=regency.pk).exists(), landmark


def test_demo_boundaries_are_marked_approximate_and_tile_their_regency(demo, db):
    for regency_code in ("62.71", "64.72", "64.01"):
        regency = Region.objects.get(code=regency_code)
        assert regency.boundary_is_approximate and regency.boundary_source == DEMO_BOUNDARY_SOURCE
        districts = list(Region.objects.filter(parent=regency))
        assert districts and all(d.boundary is not None and d.boundary_is_approximate for d in districts)
        assert sum(d.boundary.area for d in districts) == pytest.approx(regency.boundary.area, rel=1e-6)
        for a, b in combinations(districts, 2):
            assert a.boundary.intersection(b.boundary).area < 1e-9, (a, b)
        for d in districts:
            assert d.boundary.contains(d.centroid)
            villages = Region.objects.filter(parent=d)
            assert not villages.filter(centroid__isnull=True).exists()
    # Only the demo regencies got boundaries.
    assert Region.objects.filter(boundary__isnull=False).count() == 3 + 5 + 10 + 10


def test_point_in_polygon_over_demo_boundaries(demo, db):
    place = place_for_point(PAHANDUT)
    assert place.district.code == "62.71.01" and place.district.name == "Pahandut"
    assert place.regency.code == "62.71"
    assert place_for_point(SAMARINDA).regency.code == "64.72"
    sea = place_for_point(MAKASSAR_STRAIT)
    assert sea.village is None and sea.district is None and sea.regency is None


def test_an_incident_in_pahandut_gets_its_district(demo, db):
    from incidents.services import incident_create

    incident, created = incident_create(
        actor=User.objects.get(username="call_taker_pky"), category="kebakaran", location=PAHANDUT,
        caller_number="081234567890", answers={"people_trapped": True},
    )
    assert created
    assert incident.reference.startswith("PKY-")
    assert incident.district_id == "62.71.01" and incident.regency_id == "62.71"
    assert not incident.outside_service_area
    assert incident.priority == 1  # "Ada korban terjebak?" → P1


def test_categories_cover_the_domain(demo, db):
    codes = set(IncidentCategory.objects.values_list("code", flat=True))
    assert {"kebakaran", "kecelakaan_lalu_lintas", "medis", "permintaan_ambulans", "bencana_alam", "banjir", "pohon_tumbang",
            "evakuasi_hewan", "kriminalitas", "kdrt", "orang_tenggelam", "rumah_roboh", "temuan_jenazah", "odgj_pmks",
            "pju", "pln", "pdam"} <= codes
    fire = IncidentCategory.objects.get(code="kebakaran")
    assert fire.on_scene_target_min == 15 and fire.responsible_agency_types == ["fire"]
    assert fire.related.filter(code="rumah_roboh").exists()
    valid_types = set(Agency._meta.get_field("type").choices and dict(Agency._meta.get_field("type").choices))
    for category in IncidentCategory.objects.all():
        assert 1 <= category.default_priority <= 4
        assert set(category.responsible_agency_types) <= valid_types, category
        assert category.question_script, category
        for question in category.question_script:
            assert {"key", "question_id", "question_en", "type"} <= set(question), (category, question)
            assert question["type"] in ("bool", "text", "choice")
        # Every centre has an agency of each responsible type and a unit with the required capabilities.
        for centre in CommandCentre.objects.all():
            for agency_type in category.responsible_agency_types:
                assert Agency.objects.filter(type=agency_type).filter(regions__in=centre.regions.all()).exists(), (centre, category, agency_type)
            if category.required_capabilities:
                assert Unit.objects.filter(
                    agency__regions__in=centre.regions.all(), agency__type__in=category.responsible_agency_types,
                    capabilities__contains=category.required_capabilities,
                ).exists(), (centre, category)


def test_escalation_defaults(demo, db):
    rules = {r.priority: r for r in EscalationRule.objects.filter(command_centre=None, category=None)}
    assert {p: r.ack_seconds for p, r in rules.items()} == category_data.ESCALATION_DEFAULTS == {1: 60, 2: 120, 3: 300, 4: 600}
    assert all(r.second_stage_seconds == 120 for r in rules.values())


def test_communities_and_volunteers(demo, db):
    kinds = dict(VolunteerCommunity.objects.values_list("name", "kind"))
    assert len(kinds) >= 2 and {"sar", "animal_rescue", "offroad"} <= set(kinds.values())
    assert all(c.volunteers.count() >= 3 for c in VolunteerCommunity.objects.all())
    volunteer = User.objects.get(username="volunteer_pky")
    assert volunteer.community.kind == "sar" and volunteer.volunteer.community_id == volunteer.community_id


REQUIRED_USERS = ["call_taker_pky", "dispatcher_damkar_pky", "dispatcher_psc_pky", "supervisor_pky", "official_pky", "volunteer_pky",
                  "call_taker_smd", "dispatcher_damkar_smd", "call_taker_psr", "supervisor_kaltim", "admin"]


def test_demo_users_have_roles_scopes_and_tokens(demo, db):
    users = {u.username: u for u in User.objects.select_related("agency", "command_centre")}
    assert set(REQUIRED_USERS) <= set(users)
    assert set(users) == {u["username"] for u in people.USERS}
    assert users["dispatcher_damkar_pky"].agency.short_name == "Damkar PKY"
    assert users["dispatcher_psc_pky"].agency.type == "ems"
    assert users["call_taker_psr"].command_centre.code == "psr"
    assert users["admin"].is_superuser and users["admin"].role == "admin"
    assert not users["call_taker_pky"].is_staff
    assert Token.objects.filter(user__username__in=REQUIRED_USERS).count() == len(REQUIRED_USERS)


@pytest.mark.parametrize("username", REQUIRED_USERS)
def test_demo_users_can_log_in(demo, db, client, username):
    response = client.post("/login/", {"username": username, "password": settings.DEMO_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    assert client.session.get("_auth_user_id") == str(User.objects.get(username=username).pk)


def test_rerun_keeps_what_users_changed(demo, db, client):
    user = User.objects.get(username="call_taker_pky")
    user.set_password("rahasia-baru")
    user.save()
    unit = Unit.objects.get(call_sign="PKY-DMK-01")
    unit.status = Unit.Status.OUT_OF_SERVICE
    unit.save()
    load_demo()
    assert User.objects.get(pk=user.pk).check_password("rahasia-baru")
    assert Unit.objects.get(pk=unit.pk).status == Unit.Status.OUT_OF_SERVICE
    assert client.login(username="call_taker_pky", password="rahasia-baru")


def test_rerun_keeps_an_imported_real_boundary(demo, db, tmp_path):
    from agencies.demo.geometry import polygon

    real = polygon([(113.91, -2.22), (113.95, -2.22), (113.95, -2.19), (113.91, -2.19)])
    path = tmp_path / "pahandut.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"kode": "627101"}, '
                    f'"geometry": {real.geojson}}}]}}')
    call_command("import_boundaries", str(path), level="district", verbosity=0)
    load_demo()
    pahandut = Region.objects.get(code="62.71.01")
    assert not pahandut.boundary_is_approximate
    assert pahandut.boundary.equals(real)


# --- admin ----------------------------------------------------------------------------------------

@pytest.fixture
def admin_client_demo(demo, db, client):
    assert client.login(username="admin", password=settings.DEMO_PASSWORD)
    return client


@pytest.mark.parametrize("url", [
    "/admin/agencies/region/",
    "/admin/agencies/region/?level__exact=village",
    "/admin/agencies/region/?q=Pahandut",
    "/admin/agencies/region/?q=62.71",
    "/admin/agencies/commandcentre/",
    "/admin/agencies/agency/",
    "/admin/agencies/station/",
    "/admin/agencies/unit/",
    "/admin/agencies/landmark/",
    "/admin/agencies/user/",
    "/admin/incidents/incidentcategory/",
    "/admin/incidents/escalationrule/",
    "/admin/incidents/incident/",
    "/admin/incidents/assignment/",
    "/admin/incidents/timelineevent/",
    "/admin/incidents/supervisoralert/",
    "/admin/incidents/notification/",
    "/admin/volunteers/volunteercommunity/",
    "/admin/volunteers/volunteer/",
    "/admin/volunteers/callout/",
    "/admin/agencies/region/add/",
    "/admin/agencies/agency/add/",
    "/admin/agencies/user/add/",
    "/admin/agencies/unit/add/",
    "/admin/incidents/incidentcategory/add/",
])
def test_admin_pages_render(admin_client_demo, url):
    response = admin_client_demo.get(url)
    assert response.status_code == 200, url


def test_region_changelist_stays_cheap_with_83k_villages(admin_client_demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        started = time.monotonic()
        response = admin_client_demo.get("/admin/agencies/region/?level__exact=village")
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert b"11.01.01.2001" in response.content
    assert elapsed < 5.0, elapsed  # ~0.1 s on an idle machine; generous for a busy CI box


def test_region_change_page_has_a_leaflet_map(admin_client_demo):
    response = admin_client_demo.get("/admin/agencies/region/62.71.01/change/")
    assert response.status_code == 200
    assert b"leaflet" in response.content.lower()
    assert "bukan batas resmi" in response.content.decode()


def test_incident_admin_is_read_only_with_its_timeline(admin_client_demo):
    from incidents.services import incident_create

    incident, _ = incident_create(actor=User.objects.get(username="call_taker_pky"), category="kebakaran", location=PAHANDUT,
                                  caller_number="081234567890")
    response = admin_client_demo.get(f"/admin/incidents/incident/{incident.pk}/change/")
    assert response.status_code == 200
    assert "Kejadian dicatat" in response.content.decode()  # the timeline in words (incidents.timeline_text)
    assert b'name="_save"' not in response.content  # view only
    assert admin_client_demo.get("/admin/incidents/incident/add/").status_code == 403


def test_timeline_admin_is_append_only(admin_client_demo):
    from incidents.models import TimelineEvent

    event = TimelineEvent.objects.create(at="2026-01-01T00:00:00Z", kind="test.event")
    assert admin_client_demo.get("/admin/incidents/timelineevent/add/").status_code == 403
    assert admin_client_demo.get(f"/admin/incidents/timelineevent/{event.pk}/delete/").status_code == 403
    page = admin_client_demo.get(f"/admin/incidents/timelineevent/{event.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content


def test_user_admin_refuses_a_role_without_its_scope(admin_client_demo):
    response = admin_client_demo.post("/admin/agencies/user/add/", {
        "username": "dispatcher_tanpa_instansi", "password1": "Rahasia-112-xyz", "password2": "Rahasia-112-xyz",
        "usable_password": "true", "role": "dispatcher", "language": "id",
    })
    assert response.status_code == 200  # the form again, with an error
    assert "user_scope_matches_role" in response.content.decode()
    assert not User.objects.filter(username="dispatcher_tanpa_instansi").exists()
    damkar = Agency.objects.get(short_name="Damkar PKY")
    response = admin_client_demo.post("/admin/agencies/user/add/", {
        "username": "dispatcher_damkar2_pky", "password1": "Rahasia-112-xyz", "password2": "Rahasia-112-xyz",
        "usable_password": "true", "role": "dispatcher", "agency": damkar.pk, "language": "id",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(username="dispatcher_damkar2_pky").agency == damkar


def test_change_pages_with_maps_render(admin_client_demo):
    damkar = Agency.objects.get(short_name="Damkar PKY")
    unit = Unit.objects.get(call_sign="PKY-DMK-01")
    user = User.objects.get(username="supervisor_kaltim")
    for url in (f"/admin/agencies/agency/{damkar.pk}/change/", f"/admin/agencies/unit/{unit.pk}/change/",
                f"/admin/agencies/user/{user.pk}/change/", f"/admin/agencies/commandcentre/{damkar.command_centre_id}/change/"):
        response = admin_client_demo.get(url)
        assert response.status_code == 200, url
    page = admin_client_demo.get(f"/admin/agencies/agency/{damkar.pk}/change/").content.decode()
    assert "Markas Damkar Palangka Raya" in page and "leaflet" in page.lower()
