"""Sending, re-sending, revoking and ending caller links (issue 24): tokens, expiry, scope, the SMS."""
import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import User
from incidents.models import CallerLink, Notification, TimelineEvent
from incidents.services import call_start, caller_links_expire_due, incident_cancel, incident_close
from tests import factories as f
from tests.callerlink.conftest import client_for, token_from_url

pytestmark = pytest.mark.django_db


def test_send_a_link_texts_the_caller_and_stores_only_a_hash(api, incident):
    # when the call-taker sends the link
    response = api.post(f"/api/v1/incidents/{incident.pk}/caller-link/", {}, format="json")
    # then: 201 with the contract's fields, to the incident's caller number, live for the centre's 2 hours
    assert response.status_code == 201
    body = response.json()
    assert {"id", "url", "expires_at", "sent_to", "status"} <= set(body)
    assert body["sent_to"] == incident.caller_number and body["status"] == "active" and body["resent"] is False
    token = token_from_url(body["url"])
    assert body["url"] == f"https://112.example.id/c/{token}"
    assert len(token) >= 22 and set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    link = CallerLink.objects.get(pk=body["id"])
    expires = timezone.datetime.fromisoformat(body["expires_at"])
    assert timedelta(minutes=119) < expires - link.created_at <= timedelta(minutes=120)
    # the database holds the token's hash, never the token
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(CallerLink.objects.filter(pk=link.pk).values().first())
    # the SMS went through the notifier with the link in it
    sms = Notification.objects.get(reason="caller_link")
    assert sms.channel == "sms" and sms.recipient == incident.caller_number and body["url"] in sms.body
    assert "Berlaku sampai" in sms.body
    # and the timeline says so, for the centre and not for any community
    event = TimelineEvent.objects.get(kind="caller.link_sent")
    assert event.incident_id == incident.pk and event.payload["caller_link"]["id"] == link.pk and event.community_ids == []


def test_two_links_have_different_tokens(api, incident):
    a = api.post(f"/api/v1/incidents/{incident.pk}/caller-link/", {"number": "081200000001"}, format="json").json()
    b = api.post(f"/api/v1/incidents/{incident.pk}/caller-link/", {"number": "081200000002"}, format="json").json()
    assert token_from_url(a["url"]) != token_from_url(b["url"])


def test_sending_twice_within_a_minute_resends_the_same_link(api, incident):
    first = api.post(f"/api/v1/incidents/{incident.pk}/caller-link/", {}, format="json").json()
    second = api.post(f"/api/v1/incidents/{incident.pk}/caller-link/", {}, format="json")
    assert second.status_code == 201  # the contract: a send answers 201, a resend too (the SMS goes again)
    assert second.json()["id"] == first["id"] and second.json()["url"] == first["url"] and second.json()["resent"] is True
    assert CallerLink.objects.count() == 1
    assert Notification.objects.filter(reason="caller_link").count() == 2  # the SMS went again
    # a minute later it is a new link
    CallerLink.objects.update(last_sent_at=timezone.now() - timedelta(seconds=61))
    third = api.post(f"/api/v1/incidents/{incident.pk}/caller-link/", {}, format="json")
    assert third.status_code == 201 and third.json()["id"] != first["id"]


def test_per_centre_expiry(api, incident):
    incident.command_centre.caller_link_ttl_minutes = 30
    incident.command_centre.save(update_fields=["caller_link_ttl_minutes"])
    body = api.post(f"/api/v1/incidents/{incident.pk}/caller-link/", {}, format="json").json()
    link = CallerLink.objects.get(pk=body["id"])
    assert link.expires_at - link.created_at == timedelta(minutes=30)


def test_no_number_known_is_a_clear_400(api, make_incident):
    incident = make_incident(caller_number="", external_tracking_id="eido-no-number")
    response = api.post(f"/api/v1/incidents/{incident.pk}/caller-link/", {}, format="json")
    assert response.status_code == 400 and response.json()["error"]["fields"]["number"]
    assert CallerLink.objects.count() == 0 and Notification.objects.count() == 0
    bad = api.post(f"/api/v1/incidents/{incident.pk}/caller-link/", {"number": "abc<script>"}, format="json")
    assert bad.status_code == 400 and CallerLink.objects.count() == 0


def test_a_guessed_token_is_404_and_a_malformed_one_too(anon, sent_link):
    for token in ("A" * 32, "tooshort", "x" * 200, "../../etc/passwd"):
        response = anon.post(f"/api/v1/caller-links/{token}/positions/", {"lat": -2.2, "lon": 113.9, "accuracy_m": 10}, format="json")
        assert response.status_code == 404, token
        if "/" not in token:  # a path with slashes matches no route at all
            assert response.json()["error"]["code"] == "link_not_found"
    assert anon.get("/c/" + "B" * 32).status_code == 404


def test_a_cancelled_incidents_link_is_410(api, anon, incident, sent_link, call_taker):
    _body, token = sent_link
    incident_cancel(incident_id=incident.pk, actor=call_taker, reason="salah catat")
    response = anon.post(f"/api/v1/caller-links/{token}/positions/", {"lat": -2.2, "lon": 113.9, "accuracy_m": 10}, format="json")
    assert response.status_code == 410 and response.json()["error"]["code"] == "link_ended"
    assert anon.get(f"/api/v1/caller-links/{token}/messages/").status_code == 410
    assert anon.get(f"/c/{token}").status_code == 410
    # the cancel ended the link in the same transaction, with its event
    link = CallerLink.objects.get()
    assert link.status == "ended" and link.ended_at is not None
    ended = TimelineEvent.objects.get(kind="caller.link_ended")
    assert ended.payload["cause"] == "incident_cancelled"


def test_a_closed_incidents_link_is_410(api, anon, incident, sent_link, call_taker):
    _body, token = sent_link
    incident_close(incident_id=incident.pk, actor=call_taker)
    assert anon.get(f"/api/v1/caller-links/{token}/messages/").status_code == 410
    assert CallerLink.objects.get().status == "ended"


def test_an_expired_link_is_410_at_once_and_the_sweeper_records_it(anon, sent_link):
    body, token = sent_link
    CallerLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert anon.get(f"/api/v1/caller-links/{token}/messages/").status_code == 410
    assert caller_links_expire_due() == 1
    assert caller_links_expire_due() == 0  # once
    link = CallerLink.objects.get()
    assert link.status == "expired"
    assert TimelineEvent.objects.get(kind="caller.link_ended").payload["cause"] == "expired"


def test_revoke(api, anon, incident, sent_link):
    body, token = sent_link
    response = api.post(f"/api/v1/incidents/{incident.pk}/caller-link/{body['id']}/revoke/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "revoked" and response.json()["live"] is False
    assert anon.post(f"/api/v1/caller-links/{token}/messages/", {"text": "halo"}, format="json").status_code == 410
    # revoking again changes nothing and writes nothing
    again = api.post(f"/api/v1/incidents/{incident.pk}/caller-link/{body['id']}/revoke/", {}, format="json")
    assert again.status_code == 200 and TimelineEvent.objects.filter(kind="caller.link_ended").count() == 1
    # another incident's link id is not found
    assert api.post(f"/api/v1/incidents/{incident.pk}/caller-link/999999/revoke/", {}, format="json").status_code == 404


def test_another_centre_is_404(sent_link, incident, smd_world):
    body, _token = sent_link
    them = client_for(smd_world["call_taker"])
    base = f"/api/v1/incidents/{incident.pk}"
    assert them.post(f"{base}/caller-link/", {}, format="json").status_code == 404
    assert them.post(f"{base}/caller-link/{body['id']}/revoke/", {}, format="json").status_code == 404
    for path in ("caller-link/", "caller-positions/", "caller-photos/", "caller-messages/"):
        assert them.get(f"{base}/{path}").status_code == 404, path
    assert CallerLink.objects.get().status == "active"


def test_who_may_send_and_who_may_read(incident, sent_link, damkar, damkar_dispatcher, call_taker):
    from incidents.services import incident_route

    base = f"/api/v1/incidents/{incident.pk}"
    # a dispatcher of an agency not (yet) on the incident sees nothing of it
    assert client_for(damkar_dispatcher).get(f"{base}/caller-positions/").status_code == 404
    incident_route(incident_id=incident.pk, actor=call_taker, agency_ids=[damkar.pk])
    dispatcher = client_for(damkar_dispatcher)
    # an assigned agency's dispatcher reads, but does not send links
    assert dispatcher.get(f"{base}/caller-positions/").status_code == 200
    assert dispatcher.get(f"{base}/caller-messages/").status_code == 200
    assert dispatcher.post(f"{base}/caller-link/", {}, format="json").status_code == 403
    # a crew on the incident and officials: crews never, officials read
    unit = f.UnitFactory(agency=damkar, call_sign="DMK-CL-1")
    crew = f.crew(unit, username="crew_cl")
    assert client_for(crew).get(f"{base}/caller-positions/").status_code in (403, 404)
    official = f.UserFactory(role=User.Role.OFFICIAL, username="off_cl", command_centre=incident.command_centre)
    assert client_for(official).get(f"{base}/caller-positions/").status_code == 200
    assert client_for(official).post(f"{base}/caller-link/", {}, format="json").status_code == 403
    supervisor = f.supervisor(incident.command_centre, username="spv_cl")
    assert client_for(supervisor).post(f"{base}/caller-link/", {"number": "081299988877"}, format="json").status_code == 201
    assert client_for(None).get(f"{base}/caller-positions/").status_code in (401, 403)


def test_a_link_sent_during_the_call_follows_it_to_the_incident(call_taker, make_incident, anon):
    # given a call still on the line, before any incident: the link is sent on the call
    call = call_start(actor=call_taker, caller_number="081234500001")
    api = client_for(call_taker)
    response = api.post(f"/api/v1/calls/{call.pk}/caller-link/", {}, format="json")
    assert response.status_code == 201
    token = token_from_url(response.json()["url"])
    assert anon.post(f"/api/v1/caller-links/{token}/positions/", {"lat": -2.21, "lon": 113.92, "accuracy_m": 8}, format="json").status_code == 201
    event = TimelineEvent.objects.filter(kind="caller.position").get()
    assert event.incident_id is None and event.centre_ids == [call.command_centre_id] and event.agency_ids == []
    assert [p["accuracy_m"] for p in api.get(f"/api/v1/calls/{call.pk}/caller-positions/").json()] == [8.0]
    # when the incident is logged from the call
    incident = make_incident(call_id=call.pk, caller_number="081234500001")
    # then the link, the fix and what comes next belong to the incident
    assert CallerLink.objects.get().incident_id == incident.pk
    assert [p["accuracy_m"] for p in api.get(f"/api/v1/incidents/{incident.pk}/caller-positions/").json()] == [8.0]
    assert anon.post(f"/api/v1/caller-links/{token}/positions/", {"lat": -2.211, "lon": 113.921, "accuracy_m": 5}, format="json").status_code == 201
    assert TimelineEvent.objects.filter(kind="caller.position").order_by("-seq").first().incident_id == incident.pk


def test_a_call_closed_as_prank_ends_its_link(call_taker, anon):
    from incidents.services import call_close

    call = call_start(actor=call_taker, caller_number="081234500002")
    token = token_from_url(client_for(call_taker).post(f"/api/v1/calls/{call.pk}/caller-link/", {}, format="json").json()["url"])
    call_close(call_id=call.pk, actor=call_taker, disposition="prank")
    assert anon.get(f"/api/v1/caller-links/{token}/messages/").status_code == 410
    assert caller_links_expire_due() == 1
    assert CallerLink.objects.get().status == "ended"
