"""SMS replies from members without a smartphone: `1`/`YA` accepts, `2`/`TIDAK` declines the member's most
recent call-out still waiting for their answer. Stored once per gateway message id (a repeat is acknowledged
and changes nothing)."""
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from dispatch.errors import ApplicationError
from incidents.phone import MIN_KEY_LENGTH, caller_key, caller_key_expression
from incidents.services import sms_text_receive
from incidents.services.callerchat import open_sms_conversation
from volunteers.models import CallOut, CallOutResponse, InboundSms, Volunteer
from volunteers.services.callouts import callout_accept, callout_decline

ACCEPT_WORDS = {"1", "ya", "y", "yes", "siap", "ok"}
DECLINE_WORDS = {"2", "tidak", "tdk", "no", "t"}


def parse_reply(body: str) -> tuple[str | None, str]:
    """('accept' | 'decline' | None, the rest as a short reply): "1 20 menit lagi" → ('accept', '20 menit lagi')."""
    text = (body or "").strip()
    match = re.match(r"^\s*([0-9A-Za-z]+)[\s,.:;!-]*(.*)$", text, re.S)
    if not match:
        return None, ""
    word, rest = match.group(1).lower(), match.group(2).strip()[:120]
    if word in ACCEPT_WORDS:
        return "accept", rest
    if word in DECLINE_WORDS:
        return "decline", rest
    return None, ""


def sms_reply_receive(*, message_id, sender, body, to="", centre_code="", now=None) -> tuple[InboundSms, bool]:
    """Apply one inbound SMS; returns (the stored message, created). A repeat of a message id returns the first.

    A volunteer's reply word (1/YA, 2/TIDAK) answers their call-out. Everything else is a text to the centre: it joins
    the sender's open SMS conversation, or rings as a text-only emergency call at the centre whose 112 SMS number
    (`to`) it reached (incidents.services.callerchat) — a deaf caller, or one who must stay silent."""
    message_id = str(message_id or "").strip()[:120]
    sender = str(sender or "").strip()[:32]
    body = str(body or "")[:500]
    now = now or timezone.now()
    existing = InboundSms.objects.filter(message_id=message_id).first()
    if existing is not None:
        return existing, False
    action, reply = parse_reply(body)
    response, outcome = None, "not_understood"
    # A caller already texting with a centre: their "ya" answers the call-taker, not a call-out.
    conversation, _incident = open_sms_conversation(sender=sender)
    if action is not None and conversation is None:
        # One member however the number is written (+62812…, 0812-…): the same key as caller history uses.
        key = caller_key(sender)
        members = list(
            Volunteer.objects.filter(status=Volunteer.Status.ACTIVE).annotate(phone_key=caller_key_expression("phone")).filter(phone_key=key)
        ) if len(key) >= MIN_KEY_LENGTH else []
        if not members:
            outcome = "unknown_sender"
        else:
            response = (
                CallOutResponse.objects.filter(volunteer__in=members, status=CallOutResponse.Status.PENDING,
                                               callout__status__in=sorted(CallOut.ACCEPTING_STATUSES))
                .select_related("volunteer").order_by("-alerted_at", "-pk").first()
            )
            if response is None:
                outcome = "no_open_callout"
            else:
                try:
                    if action == "accept":
                        callout_accept(callout_id=response.callout_id, member=response.volunteer, reply=reply,
                                       channel=CallOutResponse.Channel.SMS, now=now)
                        outcome = "accepted"
                    else:
                        callout_decline(callout_id=response.callout_id, member=response.volunteer, reply=reply,
                                        channel=CallOutResponse.Channel.SMS, now=now)
                        outcome = "declined"
                except ApplicationError as exc:
                    outcome = exc.code[:40]
    if conversation is not None or action is None or outcome == "unknown_sender":
        text_outcome, _message = sms_text_receive(message_id=message_id, sender=sender, body=body, to=to, centre_code=centre_code, now=now)
        # a reply word that reached no centre's 112 number keeps what the volunteer side made of it
        if action is None or text_outcome not in ("no_centre", "empty"):
            outcome = text_outcome
    try:
        with transaction.atomic():
            return InboundSms.objects.create(message_id=message_id, sender=sender, body=body, received_at=now,
                                             response=response, outcome=outcome), True
    except IntegrityError:
        # The same message delivered twice at the same moment: the first stored wins; the answer is idempotent
        # anyway (accepting or declining twice is a no-op).
        return InboundSms.objects.get(message_id=message_id), False
