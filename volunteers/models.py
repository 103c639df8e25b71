"""Volunteer communities (relawan) are first-class responders: they get call-outs like agencies get assignments.

A community (SAR, fire volunteers, snake rescuers, 4x4 and radio clubs …) belongs to a command centre and is
approved by a supervisor or admin before it can be called out. Its members carry skills, certifications,
availability and an opt-in last position. A call-out is one request for N volunteers at an incident (a whole
community, or by skill within a radius); each member alerted gets one response row, and the first N acceptances
are taken under the call-out's row lock (volunteers.services.callouts).
"""
from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class VolunteerCommunity(models.Model):
    class Kind(models.TextChoices):
        SAR = "sar", _("SAR / pencarian dan pertolongan")
        FIRE = "fire", _("Relawan pemadam (BPK/Balakar)")
        AMBULANCE = "ambulance", _("Ambulans relawan")
        ANIMAL_RESCUE = "animal_rescue", _("Penyelamatan hewan / ular")
        OFFROAD = "offroad", _("Komunitas 4x4")
        RADIO = "radio", _("Radio (ORARI/RAPI)")
        OTHER = "other", _("Lainnya")

    name = models.CharField(_("nama"), max_length=160)
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices)
    command_centre = models.ForeignKey(
        "agencies.CommandCentre", verbose_name=_("pusat panggilan"), on_delete=models.PROTECT, related_name="communities"
    )
    # Categories this community may be called out for (IncidentCategory.code).
    category_codes = ArrayField(models.CharField(max_length=40), verbose_name=_("kategori"), default=list, blank=True)
    service_area = models.MultiPolygonField(_("wilayah layanan"), srid=4326, null=True, blank=True)
    base_location = models.PointField(_("markas"), srid=4326, null=True, blank=True)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("koordinator"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    coordinator_phone = models.CharField(_("telepon koordinator"), max_length=32, blank=True)
    contact_email = models.EmailField(_("email kontak"), blank=True)
    # Only an approved community can be called out (a supervisor or admin of its centre approves it).
    approved_at = models.DateTimeField(_("disetujui"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("disetujui oleh"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("komunitas relawan")
        verbose_name_plural = _("komunitas relawan")
        ordering = ["command_centre_id", "name"]

    def __str__(self):
        return self.name

    @property
    def is_approved(self):
        return self.approved_at is not None


class Volunteer(models.Model):
    """A member of one community (a user account is optional: members without a smartphone answer by SMS)."""

    class Availability(models.TextChoices):
        AVAILABLE = "available", _("Siaga sekarang")  # on call now
        SCHEDULE = "schedule", _("Sesuai jadwal")  # on call in the hours of `schedule_hours`
        OFF = "off", _("Tidak siaga")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Aktif")
        SUSPENDED = "suspended", _("Ditangguhkan")  # by the coordinator: never alerted
        LEFT = "left", _("Keluar")  # the member left the community

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        WHATSAPP = "whatsapp", _("WhatsApp")

    # Members who may be alerted at all (the partial GiST index below covers exactly these).
    ALERTABLE_AVAILABILITY = frozenset({Availability.AVAILABLE, Availability.SCHEDULE})

    community = models.ForeignKey(
        VolunteerCommunity, verbose_name=_("komunitas"), on_delete=models.CASCADE, related_name="volunteers"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("akun pengguna"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="volunteer",
    )
    name = models.CharField(_("nama"), max_length=160)
    phone = models.CharField(_("telepon"), max_length=32)
    skills = ArrayField(models.CharField(max_length=40), verbose_name=_("keahlian"), default=list, blank=True)
    # [{"name": "...", "skill": "<code or empty>", "expires_on": "YYYY-MM-DD" or null}]
    certifications = models.JSONField(_("sertifikat"), default=list, blank=True)
    availability = models.CharField(
        _("ketersediaan"), max_length=12, choices=Availability.choices, default=Availability.AVAILABLE
    )
    # Hours of the week (0 = Monday 00:00–01:00 … 167 = Sunday 23:00) in the centre's local time.
    schedule_hours = ArrayField(models.SmallIntegerField(), verbose_name=_("jadwal siaga"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    notify_channel = models.CharField(_("saluran pemberitahuan"), max_length=10, choices=Channel.choices, default=Channel.SMS)
    # Opt-in: the member shares their last position (used for "nearest first"); its age is location_at.
    share_location = models.BooleanField(_("bagikan lokasi"), default=True)
    location = models.PointField(_("lokasi"), srid=4326, null=True, blank=True, spatial_index=False)
    location_at = models.DateTimeField(_("waktu lokasi"), null=True, blank=True)
    joined_at = models.DateTimeField(_("bergabung"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("ditangguhkan"), null=True, blank=True)
    left_at = models.DateTimeField(_("keluar"), null=True, blank=True)

    class Meta:
        verbose_name = _("relawan")
        verbose_name_plural = _("relawan")
        ordering = ["community_id", "name"]
        indexes = [
            GistIndex(fields=["location"], name="volunteer_location_gist"),
            # The selection's KNN walks only members who may be alerted (house rule: partial index, like units).
            GistIndex(
                fields=["location"],
                name="volunteer_alertable_gist",
                condition=Q(status="active", availability__in=["available", "schedule"], location__isnull=False),
            ),
            models.Index(fields=["phone"], name="volunteer_phone_idx"),
        ]

    def __str__(self):
        return self.name


class MemberInvite(models.Model):
    """A one-time, expiring sign-up link a coordinator sends to a new member. Only a hash of the token is kept."""

    community = models.ForeignKey(VolunteerCommunity, on_delete=models.CASCADE, related_name="invites")
    token_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("nama"), max_length=160, blank=True)
    phone = models.CharField(_("telepon"), max_length=32, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("dibuat"))
    expires_at = models.DateTimeField(_("kedaluwarsa"))
    used_at = models.DateTimeField(_("dipakai"), null=True, blank=True)
    volunteer = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("undangan anggota")
        verbose_name_plural = _("undangan anggota")


class CallOut(models.Model):
    """A request for N volunteers at an incident: to a whole community, or by skill within a radius."""

    class Purpose(models.TextChoices):
        GENERAL = "general", _("Umum")  # any call-out a person sends (the default)
        CARDIAC_ARREST = "cardiac_arrest", _("Henti jantung")  # sent by the platform on a suspected arrest (issue 30)

    class Status(models.TextChoices):
        SENT = "sent", _("Menunggu relawan")  # alerted, fewer than N accepted so far
        FILLED = "filled", _("Terpenuhi")  # N accepted; the others were stood down
        EXPIRED = "expired", _("Lewat batas")  # the deadline passed short of N: supervisor alerted, still taking answers
        COMPLETED = "completed", _("Selesai")  # everyone who came is done, or the incident ended (resolved/closed/cancelled)
        CANCELLED = "cancelled", _("Dibatalkan")  # the requester called it off

    # Still taking acceptances (short of volunteers).
    ACCEPTING_STATUSES = frozenset({Status.SENT, Status.EXPIRED})
    OPEN_STATUSES = frozenset({Status.SENT, Status.FILLED, Status.EXPIRED})
    TERMINAL_STATUSES = frozenset({Status.COMPLETED, Status.CANCELLED})
    # The communities alerted keep hearing the incident's events while the call-out is open, and after it
    # completed (the incident's close); a cancelled call-out stops them.
    FOLLOWING_STATUSES = OPEN_STATUSES | {Status.COMPLETED}

    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("kejadian"), on_delete=models.CASCADE, related_name="callouts"
    )
    # The whole community asked (null for a call-out by skill and radius).
    community = models.ForeignKey(
        VolunteerCommunity, verbose_name=_("komunitas"), null=True, blank=True, on_delete=models.PROTECT, related_name="callouts"
    )
    skills = ArrayField(models.CharField(max_length=40), verbose_name=_("keahlian"), default=list, blank=True)
    radius_m = models.PositiveIntegerField(_("radius (m)"), null=True, blank=True)
    needed = models.PositiveSmallIntegerField(_("dibutuhkan"), default=1)
    purpose = models.CharField(
        _("tujuan"), max_length=20, choices=Purpose.choices, default=Purpose.GENERAL, db_default=Purpose.GENERAL
    )
    # The AED runner's call-out: the volunteer fetches this AED on the way to the patient (None for every other).
    aed = models.ForeignKey(
        "agencies.Aed", verbose_name=_("AED yang dijemput"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SENT)
    sent_at = models.DateTimeField(_("dikirim"))
    # The no-answer deadline (the sweeper acts on it while the call-out is SENT; kept afterwards as history).
    ack_deadline = models.DateTimeField(_("batas jawab"), null=True, blank=True)
    filled_at = models.DateTimeField(_("terpenuhi"), null=True, blank=True)
    expired_at = models.DateTimeField(_("lewat batas"), null=True, blank=True)
    completed_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("dibatalkan"), null=True, blank=True)
    note = models.TextField(_("catatan"), blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dikirim oleh"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibatalkan oleh"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("panggilan relawan")
        verbose_name_plural = _("panggilan relawan")
        ordering = ["-sent_at"]
        indexes = [
            models.Index(fields=["ack_deadline"], name="callout_deadline_idx", condition=Q(status="sent")),
            models.Index(fields=["incident", "status"], name="callout_incident_idx"),
            # the sweeper's scan for open call-outs whose incident ended: a handful of rows, never the history
            models.Index(fields=["incident"], name="callout_open_idx", condition=Q(status__in=["sent", "filled", "expired"])),
        ]
        constraints = [
            models.CheckConstraint(name="callout_needed_positive", condition=Q(needed__gte=1)),
        ]


class CallOutResponse(models.Model):
    """One alerted member's answer to a call-out and their progress to the scene."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Belum menjawab")
        ACCEPTED = "accepted", _("Bersedia datang")
        DECLINED = "declined", _("Tidak bisa")
        EN_ROUTE = "en_route", _("Menuju lokasi")
        ON_SCENE = "on_scene", _("Di lokasi")
        DONE = "done", _("Selesai")
        STOOD_DOWN = "stood_down", _("Tidak diperlukan")  # filled, cancelled, or the member withdrew

    class Reason(models.TextChoices):
        FILLED = "filled", _("Sudah terpenuhi")
        CANCELLED = "cancelled", _("Dibatalkan peminta")
        WITHDREW = "withdrew", _("Relawan mundur")
        ENDED = "ended", _("Kejadian sudah selesai")  # the incident was resolved, closed or cancelled

    # Counted among the N (they said yes and have not withdrawn).
    COUNTED_STATUSES = frozenset({Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SCENE, Status.DONE})
    # Busy: a member in one of these on an open call-out is not alerted for another.
    BUSY_STATUSES = frozenset({Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SCENE})
    # Field progress a member reports after accepting (status → the statuses it may move to).
    PROGRESS = {
        Status.ACCEPTED: frozenset({Status.EN_ROUTE, Status.ON_SCENE, Status.DONE}),
        Status.EN_ROUTE: frozenset({Status.ON_SCENE, Status.DONE}),
        Status.ON_SCENE: frozenset({Status.DONE}),
    }

    class Channel(models.TextChoices):
        WEB = "web", _("Aplikasi")
        SMS = "sms", _("SMS")

    callout = models.ForeignKey(CallOut, on_delete=models.CASCADE, related_name="responses")
    # Copies of the call-out's incident and the member's community: the audience and scoping queries read one table.
    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(VolunteerCommunity, on_delete=models.PROTECT, related_name="+")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="responses")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    distance_m = models.PositiveIntegerField(_("jarak (m)"), null=True, blank=True)
    alerted_at = models.DateTimeField(_("diberi tahu"))
    answered_at = models.DateTimeField(_("dijawab"), null=True, blank=True)
    channel = models.CharField(_("saluran"), max_length=8, choices=Channel.choices, blank=True)
    reply = models.CharField(_("balasan"), max_length=120, blank=True)  # "20 menit lagi"
    en_route_at = models.DateTimeField(_("berangkat"), null=True, blank=True)
    on_scene_at = models.DateTimeField(_("tiba"), null=True, blank=True)
    done_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    stood_down_at = models.DateTimeField(_("dibebastugaskan"), null=True, blank=True)
    stood_down_reason = models.CharField(_("alasan"), max_length=12, choices=Reason.choices, blank=True)
    stood_down_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    location = models.PointField(_("posisi terakhir"), srid=4326, null=True, blank=True, spatial_index=False)
    location_at = models.DateTimeField(_("waktu posisi"), null=True, blank=True)
    note = models.CharField(_("catatan"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("jawaban relawan")
        verbose_name_plural = _("jawaban relawan")
        ordering = ["callout_id", "distance_m", "id"]
        constraints = [
            models.UniqueConstraint(fields=["callout", "volunteer"], name="callout_response_once_per_member"),
        ]
        indexes = [
            models.Index(fields=["volunteer", "status"], name="response_volunteer_idx"),
            models.Index(fields=["incident", "community"], name="response_incident_idx"),
            models.Index(fields=["community", "incident"], name="response_community_idx"),
        ]


class InboundSms(models.Model):
    """An SMS reply from the gateway (1/YA, 2/TIDAK), stored once per gateway message id (idempotent webhook)."""

    message_id = models.CharField(max_length=120, unique=True)
    sender = models.CharField(max_length=32)
    body = models.CharField(max_length=500)
    received_at = models.DateTimeField()
    response = models.ForeignKey(CallOutResponse, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # What we did with it: "accepted", "declined", "callout_filled", "no_open_callout", "unknown_sender", "not_understood", …
    outcome = models.CharField(max_length=40)

    class Meta:
        verbose_name = _("SMS masuk")
        verbose_name_plural = _("SMS masuk")
