"""Hostile or careless input: a 4xx in the one error shape, never a 500, and nothing stored (issue 14)."""
import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.request import Request

from dispatch.api import CappedLimitOffsetPagination
from incidents.models import AmlReport, Incident
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000


def test_deeply_nested_json_on_the_anonymous_token_endpoint_is_a_400(db):
    r = APIClient().generic("POST", "/api/v1/auth/token/", DEEP, content_type="application/json")
    assert_error(r, 400)


def test_deeply_nested_json_creates_no_incident(api):
    r = api.generic("POST", "/api/v1/incidents/", '{"description": ' + DEEP + "}", content_type="application/json")
    assert_error(r, 400)
    assert not Incident.objects.exists()


def test_moderately_deep_json_beyond_the_limit_is_refused_too(api):
    body = '{"answers": ' + "[" * 70 + "]" * 70 + "}"
    assert_error(api.generic("POST", "/api/v1/incidents/", body, content_type="application/json"), 400)


def test_deeply_nested_eido_is_a_400(api):
    assert_error(api.generic("POST", "/api/v1/eido/", DEEP, content_type="application/json"), 400)


def test_a_nul_in_a_question_answer_is_a_400_and_nothing_is_stored(api, incident_body):
    body = {**incident_body, "answers": {"q1": "ada\x00korban"}}
    r = api.post("/api/v1/incidents/", body, format="json")
    assert_error(r, 400, "invalid_characters")
    assert not Incident.objects.exists()


@pytest.mark.parametrize("url", ["/api/v1/places/?q=pasar%00", "/api/v1/incidents/duplicates/?category=keb%00akaran&lat=-2.2&lon=113.9"])
def test_a_nul_in_a_query_parameter_is_a_400(api, url):
    assert_error(api.get(url), 400, "invalid_characters")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_an_oversized_body_is_a_413_in_the_error_shape(api, incident_body):
    body = json.dumps({**incident_body, "description": "x" * 4096})
    r = api.generic("POST", "/api/v1/incidents/", body, content_type="application/json")
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
    assert not Incident.objects.exists()


def test_an_aml_gateway_still_gets_2xx_for_a_deeply_nested_body(settings):
    # an AML receiver must always answer 2xx (domain.md); a hostile body is stored as a problem, not a 500
    settings.AML_SHARED_SECRET = "s3cret-aml"
    gateway = APIClient()
    gateway.credentials(HTTP_X_AML_SECRET="s3cret-aml")
    r = gateway.generic("POST", "/api/v1/aml/", DEEP, content_type="application/json")
    assert 200 <= r.status_code < 300
    assert AmlReport.objects.count() <= 1


def test_every_list_endpoint_has_a_ceiling_on_the_page_size():
    request = Request(APIRequestFactory().get("/api/v1/notifications/", {"limit": "1000000000"}))
    assert CappedLimitOffsetPagination().get_limit(request) == 1000


def test_the_default_pagination_is_the_capped_one(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"] == "dispatch.api.CappedLimitOffsetPagination"


# ───────────── issue 28: the 500s the second probe found, and NUL anywhere in a request ─────────────
def test_a_nul_in_the_volunteer_signup_name_is_a_400_and_nothing_is_stored(centre):
    from django.test import Client

    from agencies.models import User
    from tests import factories as f
    from volunteers.models import Volunteer
    from volunteers.services import member_invite_create

    community = f.CommunityFactory(command_centre=centre, name="SAR uji")
    _invite, token = member_invite_create(community_id=community.pk, actor=f.supervisor(centre, username="spv_nul"))
    users = User.objects.count()
    r = Client().post(f"/relawan/daftar/{token}/", {"name": "Ani\x00", "phone": "081234567800", "username": "ani_nul",
                                                    "password": "Relawan-Siaga-2026", "skills": "first_aid"})
    assert r.status_code == 400 and "NUL" in r.content.decode()
    assert User.objects.count() == users and not Volunteer.objects.exists()


def test_a_control_character_in_the_signup_name_is_the_forms_own_error(centre):
    from tests import factories as f
    from volunteers.services import invite_redeem, member_invite_create
    from dispatch.errors import ApplicationError

    community = f.CommunityFactory(command_centre=centre, name="SAR uji")
    _invite, token = member_invite_create(community_id=community.pk, actor=f.supervisor(centre, username="spv_ctl"))
    with pytest.raises(ApplicationError) as exc:
        invite_redeem(token=token, username="ani", password="Relawan-Siaga-2026", name="Ani\x00", phone="081234567800")
    assert exc.value.code == "invalid_characters" or exc.value.fields.get("name")


@pytest.mark.parametrize("query", [
    {"from": "9999-01-01", "to": "9999-12-31"}, {"to": "9999-12-31"}, {"from": "0001-01-01", "to": "0001-01-31"},
    {"centre": "²"}, {"agency": "9" * 40},
])
def test_a_report_far_outside_any_recorded_day_is_a_400(centre, query):
    from tests import factories as f

    client = APIClient()
    client.force_authenticate(f.supervisor(centre, username="spv_9999"))
    assert_error(client.get("/api/v1/reports/coordination/", query), 400)


def test_a_nul_in_the_path_is_a_400_like_one_in_a_query(api):
    # item 11: /api/v1/callers/0812%0034/history/ answered 200
    assert_error(api.get("/api/v1/callers/0812%0034/history/"), 400, "invalid_characters")


def test_a_nul_in_a_page_form_is_a_400_page(client, centre):
    r = client.post("/login/", {"username": "ct\x00", "password": "x"})
    assert r.status_code == 400 and "NUL" in r.content.decode()


def test_the_aml_gateway_still_gets_2xx_for_a_nul_in_its_form(settings):
    settings.AML_SHARED_SECRET = "s3cret-aml"
    gateway = APIClient()
    gateway.credentials(HTTP_X_AML_SECRET="s3cret-aml")
    r = gateway.post("/api/v1/aml/sms/", {"body": "A\x00ML=1;lt=-2.2;lg=113.9"})
    assert 200 <= r.status_code < 300
