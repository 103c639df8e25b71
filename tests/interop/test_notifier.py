"""Notifier: one interface, database/HTTP/email backends, a thin idempotent task with retries and a
final FAILED status, scheduled only after commit, and a scoped list of delivery statuses."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from dispatch.errors import ValidationFailed
from incidents.models import Notification
from incidents.notifications import backoff_seconds, notification_queue, send_notification


class Gateway:
    """A local SMS gateway on 127.0.0.1 that answers with a fixed status and records what it got."""

    def __init__(self, status=200, answer=None):
        self.status = status
        self.answer = answer if answer is not None else {"id": "gw-42"}
        self.requests = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                gateway.requests.append({"headers": dict(self.headers), "body": json.loads(self.rfile.read(length))})
                payload = json.dumps(gateway.answer).encode()
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def queued(make_incident):
    incident = make_incident()

    def make(**kw):
        kw.setdefault("channel", Notification.Channel.SMS)
        kw.setdefault("recipient", "+6281200001111")
        kw.setdefault("body", f"112: {incident.reference} belum dikonfirmasi Damkar")
        kw.setdefault("incident", incident)
        return notification_queue(**kw)

    return make


@pytest.mark.django_db
def test_queue_schedules_the_task_only_after_commit(queued, monkeypatch, django_capture_on_commit_callbacks):
    scheduled = []
    monkeypatch.setattr(send_notification, "delay", lambda notification_id: scheduled.append(notification_id))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = queued()
        assert scheduled == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert scheduled == [notification.pk]
    assert notification.status == Notification.Status.QUEUED and notification.incident is not None


@pytest.mark.django_db
def test_queue_refuses_bad_input_and_deduplicates_a_reason_per_assignment(queued, make_incident, call_taker):
    with pytest.raises(ValidationFailed):
        queued(channel="pigeon")
    with pytest.raises(ValidationFailed):
        queued(channel=Notification.Channel.EMAIL, recipient="not-an-address")
    with pytest.raises(ValidationFailed):
        queued(body="  ")
    from incidents.services import incident_route

    incident = make_incident()
    assignment = incident_route(incident_id=incident.pk, actor=call_taker)[0]
    first = queued(assignment=assignment, incident=None, reason="second_stage")
    again = queued(assignment=assignment, incident=None, reason="second_stage")
    assert first.pk == again.pk and first.incident_id == incident.pk
    assert Notification.objects.filter(reason="second_stage").count() == 1


@pytest.mark.django_db
def test_database_backend_marks_sent(queued, settings):
    settings.NOTIFIER_BACKEND = "database"
    notification = queued()
    send_notification.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.backend == "database" and notification.attempts == 1 and notification.sent_at is not None


@pytest.mark.django_db
def test_http_backend_posts_json_and_marks_sent(queued, settings):
    with Gateway(status=202) as gateway:
        settings.NOTIFIER_BACKEND = "http"
        settings.NOTIFIER_HTTP_URL = gateway.url
        settings.NOTIFIER_HTTP_TOKEN = "tok-123"
        notification = queued(subject="Eskalasi")
        send_notification.apply(args=[notification.pk])
        # the task is idempotent: a second run of an already sent message sends nothing
        send_notification.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.external_id == "gw-42"
    assert len(gateway.requests) == 1
    request = gateway.requests[0]
    assert request["body"] == {
        "channel": "sms", "to": "+6281200001111", "subject": "Eskalasi", "body": notification.body, "id": notification.pk,
    }
    assert request["headers"]["Authorization"] == "Bearer tok-123"


@pytest.mark.django_db
def test_http_500_is_retried_then_marked_failed(queued, settings):
    with Gateway(status=500) as gateway:
        settings.NOTIFIER_BACKEND = "http"
        settings.NOTIFIER_HTTP_URL = gateway.url
        settings.NOTIFIER_MAX_RETRIES = 3
        notification = queued()
        # eager apply runs every retry in turn (countdowns are skipped)
        send_notification.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert len(gateway.requests) == 4  # the first try and three retries
    assert notification.attempts == 4
    assert notification.status == Notification.Status.FAILED
    assert "HTTP 500" in notification.last_error
    assert [backoff_seconds(n) for n in range(5)] == [15, 30, 60, 120, 240]


@pytest.mark.django_db
def test_unreachable_gateway_is_a_failure_and_a_client_error_is_not_retried(queued, settings):
    settings.NOTIFIER_BACKEND = "http"
    settings.NOTIFIER_HTTP_URL = "http://127.0.0.1:9/unreachable"
    settings.NOTIFIER_HTTP_TIMEOUT = 2
    settings.NOTIFIER_MAX_RETRIES = 1
    notification = queued()
    send_notification.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.FAILED, 2)
    assert "unreachable" in notification.last_error

    with Gateway(status=422) as gateway:
        settings.NOTIFIER_HTTP_URL = gateway.url
        settings.NOTIFIER_MAX_RETRIES = 5
        rejected = queued(recipient="+6281200002222")
        send_notification.apply(args=[rejected.pk])
    rejected.refresh_from_db()
    assert (rejected.status, rejected.attempts, len(gateway.requests)) == (Notification.Status.FAILED, 1, 1)


@pytest.mark.django_db
def test_email_backend(queued, settings):
    settings.NOTIFIER_BACKEND = "email"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notification = queued(channel=Notification.Channel.EMAIL, recipient="kadis@damkar.example.id", subject="Eskalasi")
    send_notification.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert [m.to for m in mail.outbox] == [["kadis@damkar.example.id"]] and mail.outbox[0].subject == "Eskalasi"
    sms = queued()
    send_notification.apply(args=[sms.pk])
    sms.refresh_from_db()
    assert sms.status == Notification.Status.FAILED and "cannot send sms" in sms.last_error


@pytest.mark.django_db
def test_notifications_list_is_scoped_to_the_centre(api, queued, call_taker, smd_call_taker):
    notification = queued()
    send_notification.apply(args=[notification.pk])
    own = api(call_taker).get("/api/v1/notifications/")
    assert own.status_code == 200
    rows = own.json()["results"]
    assert [(r["id"], r["status"]) for r in rows] == [(notification.pk, "sent")]
    assert api(call_taker).get("/api/v1/notifications/?status=failed").json()["results"] == []
    assert api(smd_call_taker).get("/api/v1/notifications/").json()["results"] == []


@pytest.mark.django_db
def test_a_message_whose_task_was_lost_is_queued_again_by_beat(queued, monkeypatch, settings, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from dispatch.celery import app

    # given the broker was down when the message was committed: its task never left
    def broker_down(notification_id):
        raise ConnectionError("redis down")

    monkeypatch.setattr(send_notification, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        lost = queued()
    Notification.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    # then beat runs the resend task every minute, which queues it again
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "incidents.notifier.resend_queued_notifications")
    assert entry["schedule"] <= timedelta(minutes=1)
    task = app.tasks[entry["task"]]
    requeued = []
    monkeypatch.setattr(send_notification, "delay", lambda notification_id: requeued.append(notification_id))
    assert task() == 1 and requeued == [lost.pk]
    assert Notification.objects.get(pk=lost.pk).status == Notification.Status.QUEUED
