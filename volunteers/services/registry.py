"""The registry: communities (approved by a supervisor or admin), members invited by one-time links, who may
leave or be suspended, and set their own availability and position."""
import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.scoping import require_role, scope_for
from dispatch.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, field_error
from incidents.services.common import PHONE_RE
from volunteers.models import MemberInvite, Volunteer, VolunteerCommunity
from volunteers.services.common import member_for
from volunteers.skills import SKILLS

INVITE_DAYS = 7
MAX_SKILLS = 20


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clean_skills(skills) -> list[str]:
    if skills is None:
        return []
    if not isinstance(skills, list) or len(skills) > MAX_SKILLS:
        raise field_error("skills", _("Keahlian harus berupa daftar (paling banyak %(n)d).") % {"n": MAX_SKILLS}, code="invalid")
    unknown = [s for s in skills if not isinstance(s, str) or s not in SKILLS]
    if unknown:
        raise field_error("skills", _("Keahlian tidak dikenal: %(s)s") % {"s": ", ".join(str(s)[:40] for s in unknown)}, code="unknown_skill")
    return sorted(set(skills))


def clean_member_phone(phone) -> str:
    phone = (phone or "").strip() if isinstance(phone, str) else ""
    if not phone:
        raise field_error("phone", _("Nomor telepon wajib diisi."), code="required")
    if not PHONE_RE.match(phone) or len(phone) > 32:
        raise field_error("phone", _("Nomor telepon tidak valid: hanya angka, spasi, tanda - dan awalan +."), code="invalid_phone")
    return phone


def is_coordinator(user, community) -> bool:
    return user.is_authenticated and community.coordinator_id == user.pk


def ensure_manages(actor, community):
    """The community's coordinator, or a supervisor/admin of its centre, manages its members."""
    if is_coordinator(actor, community):
        return
    scope = scope_for(actor)
    if scope.is_global:
        return
    if actor.role == User.Role.SUPERVISOR and community.command_centre_id in scope.centre_ids:
        return
    if community.pk in scope.community_ids or community.command_centre_id in scope.centre_ids:
        raise PermissionDenied(_("Hanya koordinator komunitas atau supervisor yang dapat melakukan ini."))
    raise NotFound(_("Komunitas tidak ditemukan."), code="community_not_found")


def community_approve(*, community_id, actor, now=None) -> VolunteerCommunity:
    """A supervisor or admin of the community's centre approves it; only then can it be called out."""
    require_role(actor, User.Role.SUPERVISOR)
    scope = scope_for(actor)
    with transaction.atomic():
        community = VolunteerCommunity.objects.select_for_update().filter(pk=community_id).first()
        if community is None or not (scope.is_global or community.command_centre_id in scope.centre_ids):
            raise NotFound(_("Komunitas tidak ditemukan."), code="community_not_found")
        if community.approved_at is None:
            community.approved_at = now or timezone.now()
            community.approved_by = actor
            community.save(update_fields=["approved_at", "approved_by"])
    return community


def member_invite_create(*, community_id, actor, name="", phone="", days=INVITE_DAYS, now=None) -> tuple[MemberInvite, str]:
    """A one-time sign-up link for a new member, expiring after `days`. Returns the invite and the token (shown
    once: only its hash is stored)."""
    community = VolunteerCommunity.objects.filter(pk=community_id).first()
    if community is None:
        raise NotFound(_("Komunitas tidak ditemukan."), code="community_not_found")
    ensure_manages(actor, community)
    name = (name or "").strip()[:160] if isinstance(name, str) else ""
    phone = clean_member_phone(phone) if phone else ""
    now = now or timezone.now()
    token = secrets.token_urlsafe(24)
    invite = MemberInvite.objects.create(
        community=community, token_hash=_token_hash(token), name=name, phone=phone, created_by=actor, created_at=now,
        expires_at=now + timedelta(days=days),
    )
    return invite, token


def invite_lookup(token) -> MemberInvite:
    """The invite a link stands for, if it can still be used (404 unknown, 410-like 409 used/expired)."""
    invite = MemberInvite.objects.select_related("community").filter(token_hash=_token_hash(str(token or ""))).first()
    if invite is None:
        raise NotFound(_("Tautan pendaftaran tidak dikenal."), code="invite_not_found")
    if invite.used_at is not None:
        raise Conflict(_("Tautan pendaftaran ini sudah dipakai."), code="invite_used")
    if invite.expires_at <= timezone.now():
        raise Conflict(_("Tautan pendaftaran ini sudah kedaluwarsa. Minta tautan baru ke koordinator."), code="invite_expired")
    return invite


def invite_redeem(*, token, username, password, name, phone, skills=None, now=None) -> Volunteer:
    """Sign up through a one-time link: the account and the membership are created together, and the link is
    spent by a conditional update (two people opening one link at once: exactly one gets it)."""
    now = now or timezone.now()
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise field_error("name", _("Nama wajib diisi."), code="required")
    if len(name) > 160:
        raise field_error("name", _("Nama paling banyak 160 karakter."), code="too_long")
    if any(ord(c) < 32 or c == "\x7f" for c in name):
        # a NUL cannot be stored (issue 28: it was a 500); no other control character belongs in a name either
        raise field_error("name", _("Nama berisi karakter yang tidak dapat disimpan."), code="invalid_characters")
    phone = clean_member_phone(phone)
    skills = clean_skills(skills)
    username = (username or "").strip() if isinstance(username, str) else ""
    if not username or len(username) > 150 or not all(c.isalnum() or c in "@.+-_" for c in username):
        raise field_error("username", _("Nama pengguna wajib diisi: huruf, angka dan @ . + - _ saja."), code="invalid")
    try:
        validate_password(password or "", user=User(username=username, first_name=name[:150], role=User.Role.VOLUNTEER))
    except DjangoValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), code="weak_password", fields={"password": list(exc.messages)}) from None
    with transaction.atomic():
        invite = invite_lookup(token)
        spent = MemberInvite.objects.filter(pk=invite.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
        if not spent:
            raise Conflict(_("Tautan pendaftaran ini sudah dipakai."), code="invite_used")
        if User.objects.filter(username__iexact=username).exists():
            raise field_error("username", _("Nama pengguna sudah dipakai."), code="username_taken")
        try:
            with transaction.atomic():
                user = User.objects.create_user(username=username, password=password, role=User.Role.VOLUNTEER,
                                                community=invite.community, phone=phone, first_name=name[:150])
        except IntegrityError:
            raise field_error("username", _("Nama pengguna sudah dipakai."), code="username_taken") from None
        member = Volunteer.objects.create(community=invite.community, user=user, name=name, phone=phone, skills=skills,
                                          availability=Volunteer.Availability.OFF, joined_at=now)
        MemberInvite.objects.filter(pk=invite.pk).update(volunteer=member)
    return member


def member_leave(*, actor, now=None) -> Volunteer:
    """A member leaves their community: never alerted again; their account can no longer act as a volunteer."""
    member = member_for(actor)
    with transaction.atomic():
        member = Volunteer.objects.select_for_update().get(pk=member.pk)
        member.status = Volunteer.Status.LEFT
        member.left_at = now or timezone.now()
        member.availability = Volunteer.Availability.OFF
        member.location = None
        member.save(update_fields=["status", "left_at", "availability", "location"])
    return member


def member_suspend(*, member_id, actor, suspended=True, now=None) -> Volunteer:
    """The coordinator (or a supervisor of the centre) suspends a member — never alerted while suspended — or
    reinstates them."""
    with transaction.atomic():
        member = Volunteer.objects.select_for_update().select_related("community").filter(pk=member_id).first()
        if member is None:
            raise NotFound(_("Relawan tidak ditemukan."), code="member_not_found")
        ensure_manages(actor, member.community)
        if member.status == Volunteer.Status.LEFT:
            raise Conflict(_("Relawan ini sudah keluar dari komunitas."), code="member_left")
        target = Volunteer.Status.SUSPENDED if suspended else Volunteer.Status.ACTIVE
        if member.status != target:
            member.status = target
            member.suspended_at = (now or timezone.now()) if suspended else None
            member.save(update_fields=["status", "suspended_at"])
    return member


def member_set_availability(*, actor, availability, schedule_hours=None) -> Volunteer:
    """The member's own switch: on call now, off, or following a weekly schedule (hours of the week 0–167)."""
    member = member_for(actor)
    if availability not in Volunteer.Availability.values:
        raise field_error("availability", _("Pilihan ketersediaan tidak dikenal."), code="invalid_choice")
    fields = ["availability"]
    if schedule_hours is not None:
        if not isinstance(schedule_hours, list) or not all(isinstance(h, int) and not isinstance(h, bool) and 0 <= h <= 167 for h in schedule_hours):
            raise field_error("schedule_hours", _("Jadwal berisi jam dalam seminggu, 0 sampai 167."), code="out_of_range")
        member.schedule_hours = sorted(set(schedule_hours))
        fields.append("schedule_hours")
    if availability == Volunteer.Availability.SCHEDULE and not (member.schedule_hours if schedule_hours is None else schedule_hours):
        raise field_error("schedule_hours", _("Isi jadwal siaga dulu."), code="required")
    member.availability = availability
    member.save(update_fields=fields)
    return member


def member_set_position(*, actor, location, now=None) -> Volunteer:
    """The member's opt-in last position (nearest-first selection uses it); `None` forgets it."""
    member = member_for(actor)
    member.location = location
    member.location_at = (now or timezone.now()) if location is not None else None
    member.share_location = location is not None
    member.save(update_fields=["location", "location_at", "share_location"])
    return member
