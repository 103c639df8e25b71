"""Messages to people outside the consoles (SMS, WhatsApp, email): one service to queue, pluggable backends,
thin delivery tasks. Escalations use it today; volunteer call-outs and report deliveries will too.

    notification_queue(channel=..., recipient=..., body=...)   # services: row + task after commit
    send(notification)                                         # backends: the one interface each implements
    send_notification(notification_id)                         # tasks: claim, send outside any lock, record
"""
from incidents.notifications.backends import NotifierError, get_backend, send
from incidents.notifications.services import notification_queue
from incidents.notifications.tasks import backoff_seconds, resend_queued_notifications, send_notification

__all__ = ["NotifierError", "backoff_seconds", "get_backend", "notification_queue", "resend_queued_notifications", "send", "send_notification"]
