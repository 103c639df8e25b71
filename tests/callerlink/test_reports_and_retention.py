"""The caller link in the coordination report (sent, opened, fixes, accuracy gained) and the retention the privacy
rules promise (docs/privacy.md)."""
import csv
import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from agencies.models import User
from incidents.models import CallerLink, CallerMessage, CallerPhoto, CallerPosition, Notification, TimelineEvent
from incidents.services import caller_data_purge, caller_position_adopt, incident_close
from incidents.services.callerlink import redact_sent_link_sms
from tests import factories as f
from tests.callerlink.conftest import client_for, token_from_url

pytestmark = pytest.mark.django_db


def _fix(anon, token, accuracy):
    assert anon.post(f"/api/v1/caller-links/{token}/positions/", {"lat": -2.21, "lon": 113.92, "accuracy_m": accuracy},
                     format="json").status_code == 201


def test_the_report_counts_links_opened_fixes_and_the_accuracy_gained(api, anon, make_incident, call_taker):
    # three incidents placed by a kelurahan pick (±1,500 m), a landmark (±300 m) and one with no accuracy known
    a = make_incident(caller_number="081200000101", location_accuracy_m=1500, location_source="region")
    b = make_incident(caller_number="081200000102", location_accuracy_m=300, location_source="landmark")
    c = make_incident(caller_number="081200000103")
    d = make_incident(caller_number="081200000104", location_accuracy_m=50, location_source="landmark")
    tokens = {}
    for incident in (a, b, c, d):
        tokens[incident.pk] = token_from_url(api.post(f"/api/v1/incidents/{incident.pk}/caller-link/", {}, format="json").json()["url"])
    # a: two fixes, best 10 m (gained 1,490); b: one fix of 20 m (gained 280); c: a fix but no baseline; d: never opened
    _fix(anon, tokens[a.pk], 40)
    _fix(anon, tokens[a.pk], 10)
    _fix(anon, tokens[b.pk], 20)
    _fix(anon, tokens[c.pk], 15)
    caller_position_adopt(actor=call_taker, incident_id=a.pk, position_id=CallerPosition.objects.get(accuracy_m=10).pk)
    official = f.UserFactory(role=User.Role.OFFICIAL, username="off_cl_report", command_centre=a.command_centre)
    today = timezone.localdate(timezone=timezone.get_fixed_timezone(7 * 60))
    response = client_for(official).get("/api/v1/reports/coordination/", {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))})
    assert response.status_code == 200, response.content[:300]
    got = response.json()["caller_links"]
    assert got["sent"] == 4 and got["opened"] == 3 and got["with_fix"] == 3 and got["fixes"] == 4 and got["adopted"] == 1
    assert got["accuracy_compared"] == 2
    # medians by the report's convention (the smaller of two middle values): before 300 m, via link 10 m, gained 280 m
    assert (got["median_accuracy_before_m"], got["median_accuracy_link_m"], got["median_accuracy_gained_m"]) == (300, 10, 280)
    assert got["compared_by_source"] == {"landmark": 1, "region": 1}
    # the CSV carries the same numbers
    csv_body = client_for(official).get("/api/v1/reports/coordination/", {
        "from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1)), "format": "csv"}).content.decode("utf-8-sig")
    rows = {(r["Bagian"], r["Ukuran"]): r["Nilai"] for r in csv.DictReader(io.StringIO(csv_body))}
    assert rows[("Tautan penelepon", "Tautan dikirim")] == "4"
    assert rows[("Tautan penelepon", "Akurasi bertambah, median (m)")] == "280"


def test_the_purge_deletes_photos_fixes_and_chat_after_the_retention_and_keeps_the_audit_record(api, anon, incident, sent_link, call_taker, settings):
    _body, token = sent_link
    _fix(anon, token, 8)
    out = io.BytesIO()
    Image.new("RGB", (100, 80), (1, 2, 3)).save(out, format="JPEG")
    anon.post(f"/api/v1/caller-links/{token}/photos/", {"photo": SimpleUploadedFile("a.jpg", out.getvalue(), content_type="image/jpeg")},
              format="multipart")
    anon.post(f"/api/v1/caller-links/{token}/messages/", {"text": "tolong"}, format="json")
    photo = CallerPhoto.objects.get()
    assert default_storage.exists(photo.image.name)
    incident_close(incident_id=incident.pk, actor=call_taker)
    # within the retention nothing goes
    assert caller_data_purge()["photos"] == 0
    assert CallerPhoto.objects.count() == 1
    # past it, photos (files too), fixes and messages go; the number the link went to is blanked
    CallerLink.objects.update(ended_at=timezone.now() - timedelta(days=settings.CALLER_DATA_RETENTION_DAYS + 1))
    counts = caller_data_purge()
    assert counts["photos"] == 1 and counts["positions"] == 1 and counts["messages"] == 1 and counts["files"] == 2
    assert not default_storage.exists(photo.image.name) and not default_storage.exists(photo.thumbnail.name)
    assert CallerPosition.objects.count() == CallerMessage.objects.count() == CallerPhoto.objects.count() == 0
    assert CallerLink.objects.get().sent_to == ""
    # the timeline (the incident's audit record) still says what happened
    assert TimelineEvent.objects.filter(kind__in=["caller.position", "caller.photo", "caller.message"]).count() == 3
    assert caller_data_purge()["links"] == 0  # nothing twice


def test_a_sent_link_sms_loses_its_token(sent_link):
    body, token = sent_link
    sms = Notification.objects.get(reason="caller_link")
    assert token in sms.body
    # still queued: the worker needs the body to send it
    assert redact_sent_link_sms() == 0 and token in Notification.objects.get(pk=sms.pk).body
    Notification.objects.filter(pk=sms.pk).update(status=Notification.Status.SENT)
    assert redact_sent_link_sms() == 1
    redacted = Notification.objects.get(pk=sms.pk).body
    assert token not in redacted and "/c/…" in redacted
    # the link itself still works (its hash is intact)
    assert CallerLink.objects.get(pk=body["id"]).status == "active"
