"""OASIS CAP 1.2: alerts validate against the official XSD; the public feed shows only public alerts and
never the caller."""
import pytest
from lxml import etree

from incidents.interop.cap import CAP_NS, cap_categories, incident_to_cap
from incidents.interop.validate import SCHEMAS, validate_cap
from incidents.models import IncidentCategory, TimelineEvent
from incidents.services import assignment_accept, assignment_complete, incident_close, incident_route
from incidents.services.interop import incident_set_public_alert

NS = {"cap": CAP_NS, "atom": "http://www.w3.org/2005/Atom"}


def _alert(xml):
    return etree.fromstring(xml)


def test_project_copy_of_xsd_accepts_the_oasis_example_and_rejects_a_broken_alert():
    example = (SCHEMAS / "cap" / "example-amber-alert.xml").read_bytes()
    assert validate_cap(example) == []
    broken = example.replace(b"<status>Actual</status>", b"<status>Real</status>")
    assert any("status" in e for e in validate_cap(broken))
    assert validate_cap(b"<alert") and "not well-formed" in validate_cap(b"<alert")[0]


@pytest.mark.django_db
def test_cap_for_each_state_validates(make_incident, call_taker, damkar_dispatcher):
    incident = make_incident(caller_name="Budi Santoso", address="Jl. Kinibalu 5", location_accuracy_m=1500)
    new = incident_to_cap(incident)
    assert validate_cap(new) == []
    alert = _alert(new)
    assert alert.findtext("cap:msgType", namespaces=NS) == "Alert"
    assert alert.findtext("cap:scope", namespaces=NS) == "Restricted"
    assert alert.findtext("cap:sent", namespaces=NS).endswith("+07:00")
    infos = alert.findall("cap:info", NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["id-ID", "en-US"]
    assert [i.findtext("cap:category", namespaces=NS) for i in infos] == ["Fire", "Fire"]
    assert infos[0].findtext("cap:urgency", namespaces=NS) == "Immediate"  # P2
    assert infos[0].findtext("cap:severity", namespaces=NS) == "Severe"
    # the circle is "lat,lon radius-km", widened to the location uncertainty (1.5 km)
    assert infos[0].findtext("cap:area/cap:circle", namespaces=NS) == "-2.20960,113.92130 1.50"
    assert "Jl. Kinibalu 5" in infos[0].findtext("cap:area/cap:areaDesc", namespaces=NS)
    assert b"Budi" not in new and b"081234567890" not in new

    incident_route(incident_id=incident.pk, actor=call_taker)
    incident.refresh_from_db()
    routed = incident_to_cap(incident, status="Exercise")
    assert validate_cap(routed) == []
    alert = _alert(routed)
    assert alert.findtext("cap:status", namespaces=NS) == "Exercise"
    assert alert.findtext("cap:msgType", namespaces=NS) == "Update"
    assert alert.findtext("cap:references", namespaces=NS).startswith("cad@pky.dispatch112.local,")

    assignment = incident.assignments.get()
    assignment_accept(assignment_id=assignment.pk, actor=damkar_dispatcher)
    assignment_complete(assignment_id=assignment.pk, actor=damkar_dispatcher)
    incident_close(incident_id=incident.pk, actor=call_taker)
    incident.refresh_from_db()
    closed = incident_to_cap(incident)
    assert validate_cap(closed) == []
    info = _alert(closed).find("cap:info", NS)
    assert info.findtext("cap:urgency", namespaces=NS) == "Past"
    assert info.findtext("cap:responseType", namespaces=NS) == "AllClear"
    cancel = incident_to_cap(incident, msg_type="Cancel")
    assert validate_cap(cancel) == []


@pytest.mark.django_db
def test_category_mapping():
    def cat(code, name_en, types=()):
        return IncidentCategory(code=code, name_id=code, name_en=name_en, responsible_agency_types=list(types))

    assert cap_categories(cat("kebakaran", "Fire")) == ["Fire"]
    assert cap_categories(cat("banjir", "Flood")) == ["Met"]
    assert cap_categories(cat("gempa-bumi", "Earthquake")) == ["Geo"]
    assert cap_categories(cat("evakuasi-ular", "Snake evacuation")) == ["Rescue"]
    assert cap_categories(cat("kdrt", "Domestic violence")) == ["Security"]
    assert cap_categories(cat("medis", "Medical emergency")) == ["Health"]
    assert cap_categories(cat("pln", "Power outage")) == ["Infra"]
    assert cap_categories(cat("kecelakaan-lalu-lintas", "Traffic accident")) == ["Transport", "Rescue"]
    assert cap_categories(cat("x", "Something", ["police"])) == ["Security"]
    assert cap_categories(cat("x", "Something")) == ["Other"]


@pytest.mark.django_db
def test_cap_endpoint(api, make_incident, smd_call_taker):
    incident = make_incident()
    response = api(incident.created_by).get(f"/api/v1/incidents/{incident.pk}/cap/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/cap+xml")
    assert validate_cap(response.content) == []
    as_xml = api(incident.created_by).get(f"/api/v1/incidents/{incident.pk}/cap/", HTTP_ACCEPT="application/xml")
    assert as_xml["Content-Type"].startswith("application/xml")
    assert api(smd_call_taker).get(f"/api/v1/incidents/{incident.pk}/cap/").status_code == 404


@pytest.mark.django_db
def test_public_feed_lists_only_public_alerts_without_caller(api, make_incident, call_taker):
    # given two incidents, one of them published
    secret = make_incident(caller_name="Rahasia", description="Rumah Pak Rahasia terbakar")
    public = make_incident(caller_name="Budi Santoso", caller_number="081299998888", description="Rumah Pak Budi terbakar",
                           address="Jl. Diponegoro")
    response = api(call_taker).post(f"/api/v1/incidents/{public.pk}/public-alert/", {"public": True}, format="json")
    assert response.status_code == 200 and response.json()["is_public_alert"] is True
    assert TimelineEvent.objects.filter(incident=public, kind="incident.updated").exists()

    # when anyone reads the feed, without logging in
    feed = api().get("/api/v1/cap/feed/")

    # then it is an Atom feed with only the public alert, valid CAP, with no caller data or free text
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("application/atom+xml")
    root = etree.fromstring(feed.content)
    alerts = root.findall("atom:entry/atom:content/cap:alert", NS)
    assert [a.findtext("cap:incidents", namespaces=NS) for a in alerts] == [public.reference]
    assert validate_cap(etree.tostring(alerts[0])) == []
    assert alerts[0].findtext("cap:scope", namespaces=NS) == "Public"
    for forbidden in (b"Budi", b"081299998888", b"Rahasia", secret.reference.encode()):
        assert forbidden not in feed.content
    # each entry links to the alert itself, also readable without login
    link = root.find("atom:entry/atom:link", NS).get("href")
    single = api().get(link)
    assert single.status_code == 200 and validate_cap(single.content) == []
    assert api().get(f"/api/v1/cap/alerts/{secret.pk}/").status_code == 404

    # withdrawing it removes it from the feed
    incident_set_public_alert(incident_id=public.pk, actor=call_taker, public=False)
    assert public.reference.encode() not in api().get("/api/v1/cap/feed/").content


@pytest.mark.django_db
def test_feed_can_require_login(api, settings, call_taker):
    settings.CAP_FEED_PUBLIC = False
    assert api().get("/api/v1/cap/feed/").status_code in (401, 403)
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=call_taker)
    response = api().get("/api/v1/cap/feed/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
