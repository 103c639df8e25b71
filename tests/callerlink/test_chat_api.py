"""The chat (issue 24): the caller's page and the centre, and text-only emergencies by SMS."""
import pytest
from django.contrib.gis.geos import Point
from django.test import override_settings

from incidents.models import Call, CallerLink, CallerMessage, Notification, TimelineEvent
from incidents.services import call_claim, incident_close, incident_create
from tests import factories as f
from tests.callerlink.conftest import client_for, token_from_url

pytestmark = pytest.mark.django_db

SMS_SECRET = "sms-gateway-secret"


def test_the_caller_writes_and_the_centre_answers_on_the_page(anon, api, incident, sent_link, call_taker):
    _link, token = sent_link
    # the caller writes
    response = anon.post(f"/api/v1/caller-links/{token}/messages/", {"text": "Saya terjebak di lantai 2, tidak bisa bicara"}, format="json")
    assert response.status_code == 201 and response.json()["direction"] == "in"
    event = TimelineEvent.objects.get(kind="caller.message")
    assert event.payload["caller_message"]["text"].startswith("Saya terjebak") and event.community_ids == []
    # the call-taker answers
    reply = api.post(f"/api/v1/incidents/{incident.pk}/caller-messages/", {"text": "Tetap di tempat, Damkar menuju lokasi."}, format="json")
    assert reply.status_code == 201
    assert reply.json()["direction"] == "out" and reply.json()["channel"] == "web" and reply.json()["by"] == call_taker.pk
    # the staff read the whole conversation, both directions, with who wrote
    staff = api.get(f"/api/v1/incidents/{incident.pk}/caller-messages/").json()
    assert [(m["direction"], m["channel"]) for m in staff] == [("in", "web"), ("out", "web")]
    assert {"id", "direction", "text", "at", "by"} <= set(staff[1]) and staff[1]["by_name"]
    # the caller reads it too, without the call-taker's name
    page = anon.get(f"/api/v1/caller-links/{token}/messages/").json()
    assert [m["direction"] for m in page] == ["in", "out"] and set(page[1]) == {"id", "direction", "text", "at"}
    assert all("by" not in m and "by_name" not in m for m in page)
    # and polls only what is new
    assert anon.get(f"/api/v1/caller-links/{token}/messages/?after={page[-1]['id']}").json() == []
    # the page's first use marked the link opened (once)
    assert CallerLink.objects.get().opened_at is not None
    assert TimelineEvent.objects.filter(kind="caller.link_opened").count() == 1


def test_message_limits(anon, sent_link):
    _link, token = sent_link
    assert anon.post(f"/api/v1/caller-links/{token}/messages/", {"text": "x" * 1000}, format="json").status_code == 201
    too_long = anon.post(f"/api/v1/caller-links/{token}/messages/", {"text": "x" * 1001}, format="json")
    assert too_long.status_code == 400 and "text" in too_long.json()["error"]["fields"]
    assert anon.post(f"/api/v1/caller-links/{token}/messages/", {"text": "   "}, format="json").status_code == 400
    assert anon.post(f"/api/v1/caller-links/{token}/messages/", {}, format="json").status_code == 400
    assert CallerMessage.objects.count() == 1


def test_thirty_messages_a_minute(anon, sent_link):
    _link, token = sent_link
    codes = [anon.post(f"/api/v1/caller-links/{token}/messages/", {"text": f"pesan {i}"}, format="json").status_code for i in range(31)]
    assert codes[:30] == [201] * 30 and codes[30] == 429
    assert CallerMessage.objects.count() == 30


def test_one_callers_page_never_shows_another_callers_words(anon, api, incident, sent_link):
    _link, token = sent_link
    other = api.post(f"/api/v1/incidents/{incident.pk}/caller-link/", {"number": "081299900011"}, format="json").json()
    other_token = token_from_url(other["url"])
    anon.post(f"/api/v1/caller-links/{other_token}/messages/", {"text": "RAHASIA tetangga"}, format="json")
    assert "RAHASIA" not in anon.get(f"/api/v1/caller-links/{token}/messages/").content.decode()


def test_a_reply_with_nowhere_to_go_is_409(api, incident):
    response = api.post(f"/api/v1/incidents/{incident.pk}/caller-messages/", {"text": "halo"}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "no_conversation"
    assert CallerMessage.objects.count() == 0


# ───────────── text-only emergencies ─────────────

def _sms(client, message_id, sender, body, to="1120"):
    return client.post("/api/v1/callouts/sms/", {"message_id": message_id, "from": sender, "body": body, "to": to},
                       format="json", HTTP_X_SMS_SECRET=SMS_SECRET)


@pytest.fixture
def sms_centre(centre):
    centre.sms_number = "+62 811 5112 112"
    centre.save(update_fields=["sms_number"])
    return centre


@override_settings(VOLUNTEER_SMS_SECRET=SMS_SECRET)
def test_an_sms_from_a_number_with_no_open_call_rings_as_an_sms_call(anon, sms_centre, call_taker, fire_category):
    # a deaf caller texts the centre's 112 SMS number
    response = _sms(anon, "gw-1", "0812 7777 1111", "Tolong, rumah saya kebakaran di Jl. Kenanga 5. Saya tuli.", to="08115112112")
    assert response.status_code == 200 and response.json()["outcome"] == "text_call"
    call = Call.objects.get()
    assert call.channel == "sms" and call.status == "ringing" and call.line == "SMS" and call.command_centre == sms_centre
    ringing = TimelineEvent.objects.get(kind="call.ringing")
    assert ringing.payload["call"]["channel"] == "sms" and ringing.centre_ids == [sms_centre.pk]
    assert TimelineEvent.objects.get(kind="caller.message").payload["caller_message"]["channel"] == "sms"
    # a second SMS joins the same conversation; a gateway repeat changes nothing
    assert _sms(anon, "gw-2", "+6281277771111", "Api sudah di dapur").json()["outcome"] == "text_message"
    assert _sms(anon, "gw-2", "+6281277771111", "Api sudah di dapur").json()["duplicate"] is True
    assert Call.objects.count() == 1 and CallerMessage.objects.count() == 2
    # the call-taker answers it like any call, chats (the reply goes out by SMS) and can send the link
    call_claim(call_id=call.pk, actor=call_taker)
    api = client_for(call_taker)
    assert [m["text"][:5] for m in api.get(f"/api/v1/calls/{call.pk}/caller-messages/").json()] == ["Tolon", "Api s"]
    reply = api.post(f"/api/v1/calls/{call.pk}/caller-messages/", {"text": "Damkar menuju. Keluar rumah sekarang."}, format="json")
    assert reply.status_code == 201 and reply.json()["channel"] == "sms"
    sms = Notification.objects.get(reason="caller_chat")
    assert sms.recipient == "0812 7777 1111" and "Damkar menuju" in sms.body
    link = api.post(f"/api/v1/calls/{call.pk}/caller-link/", {}, format="json")
    assert link.status_code == 201 and link.json()["sent_to"] == "0812 7777 1111"
    # the caller's page shows the SMS conversation of their own number
    token = token_from_url(link.json()["url"])
    assert len(anon.get(f"/api/v1/caller-links/{token}/messages/").json()) == 3
    # logging the incident keeps the conversation; later SMS join the incident's
    incident, _ = incident_create(actor=call_taker, category=fire_category.code, location=Point(*f.PKY, srid=4326), call_id=call.pk)
    assert CallerMessage.objects.filter(incident=incident).count() == 3
    assert _sms(anon, "gw-3", "081277771111", "Saya sudah di luar").json()["outcome"] == "text_message"
    assert CallerMessage.objects.filter(incident=incident).count() == 4
    assert TimelineEvent.objects.filter(kind="caller.message").order_by("-seq").first().incident_id == incident.pk
    # once the incident is closed, a new SMS is a new call
    incident_close(incident_id=incident.pk, actor=call_taker)
    assert _sms(anon, "gw-4", "081277771111", "Ada kebakaran lagi", to="+628115112112").json()["outcome"] == "text_call"
    assert Call.objects.filter(channel="sms").count() == 2


@override_settings(VOLUNTEER_SMS_SECRET=SMS_SECRET)
def test_an_sms_to_no_centres_number_rings_nowhere(anon, sms_centre):
    response = _sms(anon, "gw-9", "081277770000", "halo", to="0800000000")
    assert response.status_code == 200 and response.json()["outcome"] == "no_centre"
    assert Call.objects.count() == 0


@override_settings(VOLUNTEER_SMS_SECRET=SMS_SECRET)
def test_a_volunteers_reply_word_still_answers_their_callout(anon, sms_centre):
    from volunteers.models import Volunteer

    community = f.CommunityFactory(command_centre=sms_centre)
    Volunteer.objects.create(community=community, name="Relawan", phone="081366600000")
    # "1" from a volunteer with no call-out waiting stays a volunteer reply (no emergency call rings)
    assert _sms(anon, "gw-v1", "081366600000", "1").json()["outcome"] == "no_open_callout"
    assert Call.objects.count() == 0
    # free text from anyone is a text to the centre
    assert _sms(anon, "gw-v2", "081366600000", "Ada pohon tumbang di Jl. Yos Sudarso", to="08115112112").json()["outcome"] == "text_call"
