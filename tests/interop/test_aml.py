"""AML / Android ELS: the receiver always acknowledges, stores each report once, and attaches a usable
location to the caller's recent call whatever form the number takes."""
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from incidents.interop.aml import KNOWN_FIELDS, normalise_fields, parse_aml_sms
from incidents.models import AmlReport, Call, TimelineEvent
from incidents.services import call_start
from incidents.phone import caller_key
from incidents.services.interop import matching_recent_call

SECRET = "s3cret-gateway"


@pytest.fixture(autouse=True)
def aml_secret(settings):
    settings.AML_SHARED_SECRET = SECRET


@pytest.fixture
def gateway(api):
    client = api()
    client.credentials(HTTP_X_AML_SECRET=SECRET)
    return client


def els(number="+6281234567890", lat="-2.20970", lon="113.92150", **extra):
    fields = {
        "v": "3",
        "thunderbird_version": "2.0",
        "emergency_number": "112",
        "source": "sms",
        "time": "1767268800000",
        "location_latitude": lat,
        "location_longitude": lon,
        "location_time": "1767268795000",
        "location_altitude": "25.0",
        "location_floor": "",
        "location_source": "gps",
        "location_accuracy": "14.5",
        "location_vertical_accuracy": "3.0",
        "location_confidence": "68",
        "location_bearing": "",
        "location_speed": "0.0",
        "device_number": number,
        "device_model": "SM-A155F",
        "device_imei": "356938035643809",
        "device_imsi": "510101234567890",
        "cell_carrier": "Telkomsel",
        "cell_network": "LTE",
        "cell_home_mcc": "510",
        "cell_home_mnc": "10",
        "cell_network_mcc": "510",
        "cell_network_mnc": "10",
        "cell_id": "12345",
    }
    fields.update(extra)
    return fields


# --- the SMS form ---------------------------------------------------------------------------------

def test_sms_parser_reads_a_valid_message():
    parsed = parse_aml_sms('A"ML=1;lt=-2.20960;lg=113.92130;rd=50;top=20260101120000;lc=90;pm=G;si=510101234567890;ei=356938035643809;mcc=510;mnc=10;ml=124')
    assert parsed["problems"] == []
    assert parsed["aml_version"] == "1"
    assert (parsed["location_latitude"], parsed["location_longitude"]) == ("-2.20960", "113.92130")
    assert parsed["location_accuracy"] == "50"
    assert parsed["location_source"] == "gnss"
    assert parsed["device_imei"] == "356938035643809"
    fields = normalise_fields({**parsed, "device_number": "+6281234567890"})
    assert (fields["lat"], fields["lon"], fields["accuracy_m"]) == (-2.2096, 113.9213, 50.0)
    assert fields["location_time"].isoformat() == "2026-01-01T12:00:00+00:00"


@pytest.mark.parametrize(
    "body, problem",
    [
        ("", "empty SMS body"),
        ("Halo, tolong kirim ambulans", "not an AML message"),
        ('A"ML=1;lg=113.9;rd=50', "missing lt"),
        ('A"ML=1;lt=-2.2;lg=113.9;junk;rd=50', "malformed pair"),
        ("AML=1;lt=-2.2", "missing lg"),
    ],
)
def test_sms_parser_reports_broken_messages(body, problem):
    parsed = parse_aml_sms(body)
    assert any(problem in p for p in parsed["problems"]), parsed


def test_sms_parser_and_normaliser_never_raise_on_odd_values():
    parsed = parse_aml_sms('A"ML=1;lt=nan;lg=inf;rd=-5;top=20261399120000;pm=Q;=;x=y')
    fields = normalise_fields({**parsed, "device_number": "abc"})
    assert fields["lat"] is None and fields["lon"] is None and fields["accuracy_m"] is None
    assert any("location_time" in p for p in fields["problems"])
    assert any("device_number" in p for p in fields["problems"])


def test_number_forms_are_the_same_number():
    assert {caller_key(n) for n in ("081234567890", "+6281234567890", "6281234567890", "0812-3456-7890", "006281234567890")} == {
        "81234567890"
    }


# --- the HTTPS receiver ---------------------------------------------------------------------------

@pytest.fixture
def ringing_call(centre, call_taker):
    """A call answered a minute ago from 0812…, as the call-taker typed it."""
    call = call_start(actor=call_taker, caller_number="081234567890")
    Call.objects.filter(pk=call.pk).update(answered_at=timezone.now() - timedelta(minutes=1))
    return call


@pytest.mark.django_db
def test_valid_form_post_attaches_location_to_the_recent_call(gateway, ringing_call):
    # given an older call of the same number and the recent one
    response = gateway.post("/api/v1/aml/", els(), format="multipart")
    # then it is acknowledged and the call holds the handset's location
    assert response.status_code == 200
    body = response.json()
    assert body["duplicate"] is False and body["attached_call"] == ringing_call.pk
    call = Call.objects.get(pk=ringing_call.pk)
    assert (round(call.device_location.y, 5), round(call.device_location.x, 5)) == (-2.2097, 113.9215)
    assert call.device_accuracy_m == 14.5
    assert call.device_location_at.isoformat() == "2026-01-01T11:59:55+00:00"
    event = TimelineEvent.objects.get(kind="call.location")
    assert event.centre_ids == [ringing_call.command_centre_id]
    assert event.payload["call"]["id"] == ringing_call.pk
    report = AmlReport.objects.get()
    assert report.call_id == ringing_call.pk and report.source == "https"


@pytest.mark.django_db
def test_urlencoded_and_json_posts_are_read_the_same(gateway, ringing_call):
    from urllib.parse import urlencode

    first = gateway.post("/api/v1/aml/", urlencode(els()), content_type="application/x-www-form-urlencoded")
    again = gateway.post("/api/v1/aml/", json.dumps(els()), content_type="application/json")
    assert first.status_code == again.status_code == 200
    # the same report by another carrier is a duplicate: acknowledged, stored once
    assert again.json()["duplicate"] is True
    assert AmlReport.objects.count() == 1
    assert TimelineEvent.objects.filter(kind="call.location").count() == 1


@pytest.mark.django_db
def test_a_newer_fix_replaces_an_older_one_but_not_the_reverse(gateway, ringing_call):
    gateway.post("/api/v1/aml/", els(location_time="1767268795000"), format="json")
    gateway.post("/api/v1/aml/", els(lat="-2.21000", location_time="1767268799000"), format="json")
    gateway.post("/api/v1/aml/", els(lat="-2.30000", location_time="1767268700000"), format="json")
    call = Call.objects.get(pk=ringing_call.pk)
    assert round(call.device_location.y, 5) == -2.21
    assert AmlReport.objects.count() == 3


@pytest.mark.django_db
def test_old_calls_and_other_numbers_are_not_matched(gateway, ringing_call, call_taker):
    Call.objects.filter(pk=ringing_call.pk).update(answered_at=timezone.now() - timedelta(minutes=61))
    response = gateway.post("/api/v1/aml/", els(), format="json")
    assert response.status_code == 200 and response.json()["attached_call"] is None
    assert "no recent call from this number" in response.json()["problems"]
    assert Call.objects.get(pk=ringing_call.pk).device_location is None
    assert matching_recent_call("081234567891") is None


@pytest.mark.django_db
def test_sms_endpoint_attaches_too(gateway, ringing_call):
    body = 'A"ML=1;lt=-2.20990;lg=113.92180;rd=30;top=20260101120000;lc=68;pm=W;si=510101234567890;ei=356938035643809;mcc=510;mnc=10;ml=120'
    response = gateway.post("/api/v1/aml/sms/", {"from": "6281234567890", "body": body}, format="json")
    assert response.status_code == 200
    assert response.json()["attached_call"] == ringing_call.pk
    call = Call.objects.get(pk=ringing_call.pk)
    assert round(call.device_location.x, 5) == 113.9218 and call.device_accuracy_m == 30
    assert AmlReport.objects.get().positioning_method == "wifi"
    garbage = gateway.post("/api/v1/aml/sms/", {"from": "6281234567890", "body": "PULSA ANDA HABIS"}, format="json")
    assert garbage.status_code == 200
    assert any("not an AML message" in p for p in garbage.json()["problems"])


@pytest.mark.django_db
def test_credentials_are_required(api, ringing_call, call_taker, settings):
    anonymous = api().post("/api/v1/aml/", els(), format="json")
    wrong = api().post("/api/v1/aml/", els(), format="json", HTTP_X_AML_SECRET="guess")
    assert anonymous.status_code in (401, 403) and wrong.status_code in (401, 403)
    # a call-taker's own token is not a gateway
    assert api(call_taker).post("/api/v1/aml/", els(), format="json").status_code == 403
    assert AmlReport.objects.count() == 0
    # with no secret configured the header alone never passes
    settings.AML_SHARED_SECRET = ""
    assert api().post("/api/v1/aml/", els(), format="json", HTTP_X_AML_SECRET="").status_code in (401, 403)


# --- property-based: whatever arrives, the gateway gets 2xx ---------------------------------------

FIELD_NAMES = st.sampled_from(sorted(KNOWN_FIELDS) + ["foo", "location", "", "device_number "])
VALUES = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["-2.2097", "113.9215", "081234567890", "+6281234567890", "1767268795000", "20260101120000", "NaN", "1e309"]),
)
HYPO = hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.mark.django_db
@HYPO
@given(fields=st.dictionaries(FIELD_NAMES, VALUES, max_size=12))
def test_random_field_sets_are_always_acknowledged(gateway, ringing_call, fields):
    for fmt in ("json", "multipart"):
        response = gateway.post("/api/v1/aml/", fields, format=fmt)
        assert response.status_code == 200, response.content
        assert response.json()["received"] is True


@pytest.mark.django_db
@HYPO
@given(
    body=st.binary(max_size=300),
    content_type=st.sampled_from(
        ["application/json", "application/x-www-form-urlencoded", "text/plain", "application/xml", "multipart/form-data", "", "image/png"]
    ),
)
def test_random_bytes_and_wrong_content_types_are_always_acknowledged(gateway, body, content_type):
    for url in ("/api/v1/aml/", "/api/v1/aml/sms/"):
        response = gateway.generic("POST", url, body, content_type=content_type)
        assert response.status_code == 200, (url, content_type, body, response.content)
        # garbage is kept for audit, with what was wrong with it
        ack = response.json()
        assert ack["problems"]
        assert AmlReport.objects.filter(pk=ack["report"]).exclude(problems=[]).exists()


@pytest.mark.django_db
@HYPO
@given(
    # anywhere within ~5 km of a town on land, from Sabang to Merauke: every such fix is inside Indonesia
    town=st.sampled_from([(-2.21, 113.92), (5.89, 95.32), (-8.49, 140.40), (-6.20, 106.85), (-0.50, 117.15), (3.94, 108.38)]),
    dlat=st.floats(min_value=-0.03, max_value=0.03),
    dlon=st.floats(min_value=-0.03, max_value=0.03),
    accuracy=st.one_of(st.none(), st.floats(min_value=0, max_value=5000)),
    number_form=st.sampled_from(["081234567890", "+6281234567890", "6281234567890", "0812-3456-7890"]),
    drop=st.sets(st.sampled_from(["location_time", "time", "location_accuracy", "device_model", "cell_id", "v"])),
)
def test_partial_but_valid_reports_attach(gateway, ringing_call, town, dlat, dlon, accuracy, number_form, drop):
    lat, lon = town[0] + dlat, town[1] + dlon
    fields = els(number=number_form, lat=repr(lat), lon=repr(lon), location_accuracy="" if accuracy is None else repr(accuracy),
                 location_time=str(int(timezone.now().timestamp() * 1000)))
    for name in drop:
        fields.pop(name, None)
    response = gateway.post("/api/v1/aml/", fields, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["attached_call"] == ringing_call.pk or body["duplicate"], body
    report = AmlReport.objects.get(pk=body["report"])
    assert report.call_id == ringing_call.pk
    assert abs(report.location.y - lat) < 1e-6 and abs(report.location.x - lon) < 1e-6


# --- issue 14: who may post, where a fix may attach, and what is never applied ----------------------------------

@pytest.mark.django_db
def test_a_supervisors_token_is_not_a_gateway(api, ringing_call, centre):
    from tests import factories as f

    supervisor = f.supervisor(centre, username="spv_aml")
    assert api(supervisor).post("/api/v1/aml/", els(), format="json").status_code == 403
    assert Call.objects.get(pk=ringing_call.pk).device_location is None and AmlReport.objects.count() == 0


@pytest.mark.django_db
def test_a_centre_gateway_attaches_only_to_calls_of_its_centres(api, ringing_call, settings):
    # given a gateway whose secret serves Samarinda only, and the caller's recent call taken in Palangka Raya
    settings.AML_GATEWAYS = {"smd-only": ["smd"]}
    client = api()
    client.credentials(HTTP_X_AML_SECRET="smd-only")
    body = client.post("/api/v1/aml/", els(), format="json").json()
    # then the report is stored, attached to nothing, and the answer says so
    assert body["received"] is True and body["applied"] is False and body["attached_call"] is None
    assert Call.objects.get(pk=ringing_call.pk).device_location is None
    # while a gateway serving Palangka Raya attaches it
    settings.AML_GATEWAYS = {"pky-gw": [ringing_call.command_centre.code]}
    client.credentials(HTTP_X_AML_SECRET="pky-gw")
    body = client.post("/api/v1/aml/", els(lat="-2.20971"), format="json").json()
    assert body["applied"] is True and body["attached_call"] == ringing_call.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    "extra, reason",
    [
        ({"lat": "-12.46340", "lon": "130.84560"}, "rejected: location outside Indonesia"),  # Darwin, Australia
        ({"location_time": "4102444800000"}, "rejected: location time in the future"),  # 2100-01-01
    ],
    ids=["outside", "future"],
)
def test_out_of_country_or_future_fixes_are_stored_as_rejected_and_never_applied(gateway, ringing_call, extra, reason):
    body = gateway.post("/api/v1/aml/", els(**extra), format="json").json()
    assert body["received"] is True and body["applied"] is False
    assert reason in body["problems"]
    assert Call.objects.get(pk=ringing_call.pk).device_location is None
    # and a genuine fix afterwards still wins (a 2100-dated fix must not block every later one)
    assert gateway.post("/api/v1/aml/", els(lat="-2.20980"), format="json").json()["applied"] is True


@pytest.mark.django_db
def test_the_answer_says_truthfully_when_an_older_fix_is_not_applied(gateway, ringing_call):
    assert gateway.post("/api/v1/aml/", els(location_time="1767268799000"), format="json").json()["applied"] is True
    older = gateway.post("/api/v1/aml/", els(lat="-2.30000", location_time="1767268700000"), format="json").json()
    assert older["applied"] is False and any(p.startswith("not applied") for p in older["problems"])
