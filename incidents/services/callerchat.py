"""The chat between a caller and the centre (issue 24): through the caller link's page, or by SMS.

Text-only emergencies: an SMS to the centre's 112 number (CommandCentre.sms_number) from a number with no open
conversation rings on the call-takers' consoles as a call on the "SMS" line (`Call.channel = "sms"`). The call-taker
answers it like any call, chats (their replies go out by SMS through the notifier) and can text the caller link. While
the call rings or is being answered, and then while the incident it became is open, further SMS from that number join
the same conversation.

Where a reply goes: to where the caller last wrote from — the link's page or SMS; before the caller wrote at all, to
the newest live link's page, or by SMS on a text-only call. A reply with nowhere to go is refused (409
`no_conversation`): the call-taker speaks on the phone instead.
"""
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import CommandCentre
from dispatch.errors import Conflict, field_error
from incidents import events
from incidents.models import Call, CallerLink, CallerMessage, Incident, Notification
from incidents.notifications import notification_queue
from incidents.phone import MIN_KEY_LENGTH, caller_key, caller_key_expression
from incidents.services.callerlink import (
    Target,
    lock_live_link,
    caller_link_live,
    caller_link_mark_opened,
    ensure_link_live,
    lock_target,
    record_caller_event,
    sms_sender_name,
)
from incidents.timeline import record_event

MAX_TEXT = 1000
SMS_LINE = "SMS"


def clean_message(text) -> str:
    if not isinstance(text, str):
        raise field_error("text", _("Pesan harus berupa teks."), code="invalid")
    text = text.strip()
    if not text:
        raise field_error("text", _("Pesan kosong."), code="required")
    if len(text) > MAX_TEXT:
        raise field_error(
            "text", _("Terlalu panjang: %(n)d karakter, paling banyak %(max)d.") % {"n": len(text), "max": MAX_TEXT}, code="too_long"
        )
    return text


# ───────────────────────── from the caller's page ─────────────────────────

def caller_message_receive(*, token, text) -> CallerMessage:
    """The caller wrote on the link's page."""
    text = clean_message(text)
    link = caller_link_live(token)
    caller_link_mark_opened(link)
    with transaction.atomic():
        link, target = lock_live_link(link.pk)
        message = CallerMessage.objects.create(
            link=link, call=link.call, incident=target.incident, command_centre_id=link.command_centre_id,
            direction=CallerMessage.Direction.INBOUND, channel=CallerMessage.Channel.WEB, text=text, at=timezone.now(),
        )
        record_caller_event("caller.message", target=target, payload=events.caller_message(message=message))
    return message


def conversation_for_link(link: CallerLink):
    """What the link's page shows: the messages of this link, plus the SMS the same number exchanged on the call the
    link was sent on (a text-only caller who then opened the link). Never another caller's words."""
    mine = CallerMessage.objects.filter(link=link)
    if link.call_id is not None and caller_key(link.sent_to) == caller_key(link.call.caller_number if link.call else ""):
        mine = mine | CallerMessage.objects.filter(call_id=link.call_id, channel=CallerMessage.Channel.SMS)
    return mine.order_by("at", "id")


# ───────────────────────── from the centre ─────────────────────────

def _reply_route(target: Target):
    """(link or None, SMS recipient or "", the call) of the conversation a staff reply belongs to."""
    messages = CallerMessage.objects.filter(incident=target.incident) if target.incident is not None else CallerMessage.objects.filter(call=target.call)
    last_in = messages.filter(direction=CallerMessage.Direction.INBOUND).select_related("link", "call").order_by("-at", "-id").first()
    if last_in is not None:
        if last_in.channel == CallerMessage.Channel.WEB and last_in.link is not None:
            return last_in.link, "", last_in.call
        if last_in.channel == CallerMessage.Channel.SMS and last_in.call is not None:
            return None, last_in.call.caller_number, last_in.call
    links = CallerLink.objects.filter(incident=target.incident) if target.incident is not None else CallerLink.objects.filter(call=target.call)
    now = timezone.now()
    link = links.filter(status=CallerLink.Status.ACTIVE, expires_at__gt=now).select_related("call", "incident").order_by("-created_at").first()
    if link is not None:
        return link, "", link.call
    if target.incident is None and target.call.channel == Call.Channel.SMS:
        return None, target.call.caller_number, target.call
    return None, "", None


def caller_message_send(*, actor, text, incident_id=None, call_id=None) -> CallerMessage:
    """A call-taker writes to the caller: shown on the link's page, or sent by SMS (a text-only conversation)."""
    text = clean_message(text)
    with transaction.atomic():
        target = lock_target(actor, incident_id=incident_id, call_id=call_id)
        if target.incident is not None and target.incident.status in Incident.TERMINAL_STATUSES:
            raise Conflict(_("Kejadian %(ref)s sudah ditutup.") % {"ref": target.incident.reference}, code="incident_closed")
        link, sms_to, call = _reply_route(target)
        if link is None and not sms_to:
            raise Conflict(
                _("Belum ada percakapan: kirim tautan ke penelepon dulu, atau bicara lewat telepon."), code="no_conversation"
            )
        if link is not None:
            link.incident = target.incident
            ensure_link_live(link)
        notification = None
        if sms_to:
            notification = notification_queue(
                channel=Notification.Channel.SMS, recipient=sms_to, body=f"{_sms_name(target)}: {text}",
                incident=target.incident, reason="caller_chat",
            )
        message = CallerMessage.objects.create(
            link=link, call=call if call is not None else target.call, incident=target.incident, command_centre_id=target.centre_id,
            direction=CallerMessage.Direction.OUTBOUND,
            channel=CallerMessage.Channel.SMS if sms_to else CallerMessage.Channel.WEB,
            text=text, at=timezone.now(), by=actor, notification=notification,
        )
        record_caller_event("caller.message", target=target, actor=actor, payload=events.caller_message(message=message))
    return message


def _sms_name(target: Target) -> str:
    centre = target.incident.command_centre if target.incident is not None else target.call.command_centre
    return sms_sender_name(centre)


# ───────────────────────── text-only emergencies (inbound SMS) ─────────────────────────

def centre_for_sms(to: str, centre_code: str = ""):
    """The centre whose 112 SMS number received the message (by `to`), or named by code; None when unknown."""
    if centre_code:
        return CommandCentre.objects.filter(code=str(centre_code)[:16]).first()
    key = caller_key(to or "")
    if len(key) < MIN_KEY_LENGTH:
        return None
    return CommandCentre.objects.annotate(sms_key=caller_key_expression("sms_number")).filter(sms_key=key).first()


def open_sms_conversation(*, sender: str, centre=None):
    """(call, incident) of the open conversation with this number: an SMS call still ringing or answered, or the
    open incident such a call became. (None, None) when there is none."""
    key = caller_key(sender)
    if len(key) < MIN_KEY_LENGTH:
        return None, None
    calls = Call.objects.filter(channel=Call.Channel.SMS, caller_key=key)
    if centre is not None:
        calls = calls.filter(command_centre=centre)
    live = calls.filter(status__in=[Call.Status.RINGING, Call.Status.ACTIVE]).order_by("-id").first()
    if live is not None:
        return live, None
    became = (
        calls.filter(incident__status__in=sorted(Incident.OPEN_STATUSES)).select_related("incident").order_by("-id").first()
    )
    if became is not None:
        return became, became.incident
    return None, None


def sms_text_receive(*, message_id, sender, body, to="", centre_code="", now=None) -> tuple[str, CallerMessage | None]:
    """One inbound SMS that is not a volunteer's reply. Returns (outcome, message): `text_message` (joined an open
    conversation), `text_call` (a new SMS call rings), `duplicate`, `no_centre` (nobody's 112 number), `empty`."""
    message_id = f"sms:{str(message_id or '').strip()[:100]}"
    existing = CallerMessage.objects.filter(sms_message_id=message_id).first()
    if existing is not None:
        return "duplicate", existing
    text = (body or "").strip()[:MAX_TEXT]
    if not text:
        return "empty", None
    sender = str(sender or "").strip()[:32]
    now = now or timezone.now()
    centre = centre_for_sms(to, centre_code)
    try:
        with transaction.atomic():
            call, incident = open_sms_conversation(sender=sender, centre=centre)
            if call is not None:
                if incident is not None:
                    incident = Incident.objects.select_for_update(of=("self",), no_key=True).select_related("category", "command_centre").get(pk=incident.pk)
                call = Call.objects.select_for_update(of=("self",)).get(pk=call.pk)
                outcome = "text_message"
            else:
                if centre is None:
                    return "no_centre", None
                call = Call.objects.create(
                    command_centre=centre, channel=Call.Channel.SMS, external_id=message_id[:100], caller_number=sender,
                    line=SMS_LINE, status=Call.Status.RINGING, ringing_at=now,
                )
                record_event(kind="call.ringing", payload=events.call_changed(call=call),
                             centre_ids=[call.command_centre_id], agency_ids=[], community_ids=[])
                outcome = "text_call"
            message = CallerMessage.objects.create(
                call=call, incident=incident, command_centre_id=call.command_centre_id, direction=CallerMessage.Direction.INBOUND,
                channel=CallerMessage.Channel.SMS, text=text, at=now, sms_message_id=message_id,
            )
            target = Target(centre_id=call.command_centre_id, incident=incident, call=call)
            record_caller_event("caller.message", target=target, payload=events.caller_message(message=message))
    except IntegrityError:
        # the same gateway message delivered twice at once: the first stored wins
        return "duplicate", CallerMessage.objects.filter(sms_message_id=message_id).first()
    return outcome, message
