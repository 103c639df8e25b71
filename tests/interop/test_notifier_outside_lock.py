"""The gateway call holds no lock and no transaction: a slow SMS gateway must never hold the notification row
(or anything else) while it answers; delivery status stays exactly-once."""
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from incidents.models import Notification
from incidents.notifications import notification_queue, resend_queued_notifications, send_notification


@pytest.fixture
def queued_sms(make_incident):
    incident = make_incident()
    with transaction.atomic():
        return notification_queue(channel=Notification.Channel.SMS, recipient="+6281200002222", body="112: uji", incident=incident)


def _row_lockable_elsewhere(pk) -> bool:
    """Another database session tries to lock the row without waiting."""
    result = {}

    def probe():
        try:
            with transaction.atomic():
                Notification.objects.select_for_update(nowait=True).get(pk=pk)
            result["ok"] = True
        except Exception as exc:  # noqa: BLE001 — a lock conflict is the failure we look for
            result["ok"] = False
            result["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join(10)
    return result.get("ok", False)


@pytest.mark.django_db(transaction=True)
def test_the_gateway_is_called_outside_any_transaction_with_the_row_unlocked(queued_sms, monkeypatch):
    seen = {}

    class SlowGateway:
        name = "probe"

        def send(self, notification):
            # while the gateway "answers": no transaction open here, and another worker could lock the row
            seen["in_transaction"] = connection.in_atomic_block
            seen["lockable"] = _row_lockable_elsewhere(notification.pk)
            seen["status_meanwhile"] = Notification.objects.get(pk=notification.pk).status
            return "gw-1"

    monkeypatch.setattr("incidents.notifications.tasks.get_backend", lambda name=None: SlowGateway())
    send_notification.apply(args=[queued_sms.pk])
    queued_sms.refresh_from_db()
    assert seen == {"in_transaction": False, "lockable": True, "status_meanwhile": Notification.Status.SENDING}
    assert queued_sms.status == Notification.Status.SENT and queued_sms.external_id == "gw-1" and queued_sms.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_second_worker_given_the_same_message_while_it_is_being_sent_sends_nothing(queued_sms, monkeypatch):
    sent = []

    class Gateway:
        name = "probe"

        def send(self, notification):
            sent.append(notification.pk)
            if len(sent) == 1:
                # a redelivered copy of the task runs while the first is still talking to the gateway
                send_notification.apply(args=[notification.pk])
            return f"gw-{len(sent)}"

    monkeypatch.setattr("incidents.notifications.tasks.get_backend", lambda name=None: Gateway())
    send_notification.apply(args=[queued_sms.pk])
    queued_sms.refresh_from_db()
    assert sent == [queued_sms.pk]
    assert (queued_sms.status, queued_sms.external_id, queued_sms.attempts) == (Notification.Status.SENT, "gw-1", 1)


@pytest.mark.django_db
def test_a_claim_left_by_a_dead_worker_is_queued_again(queued_sms, monkeypatch):
    # given a message a worker claimed and then died with (no outcome recorded)
    Notification.objects.filter(pk=queued_sms.pk).update(
        status=Notification.Status.SENDING, claimed_at=timezone.now() - timedelta(minutes=10), attempts=1
    )
    requeued = []
    monkeypatch.setattr(send_notification, "delay", lambda notification_id: requeued.append(notification_id))
    # when the resend sweep runs
    assert resend_queued_notifications() == 1
    # then it is queued again and can be sent
    queued_sms.refresh_from_db()
    assert requeued == [queued_sms.pk] and queued_sms.status == Notification.Status.QUEUED
    # a fresh claim (a worker still sending) is left alone
    Notification.objects.filter(pk=queued_sms.pk).update(status=Notification.Status.SENDING, claimed_at=timezone.now())
    requeued.clear()
    assert resend_queued_notifications() == 0 and requeued == []
