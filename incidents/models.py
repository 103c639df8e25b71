"""Calls, incidents, assignments to agencies, and the append-only timeline.

State changes happen only in incidents.services; these classes hold data, choices and guards.
"""
import datetime

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidents.phone import caller_key_expression


class Priority(models.IntegerChoices):
    # MPDS-style determinants map onto four tiers: Echo/Delta → 1, Charlie → 2, Bravo/Alpha → 3, Omega → 4.
    CRITICAL = 1, _("P1 Kritis (mengancam nyawa)")
    URGENT = 2, _("P2 Mendesak")
    STANDARD = 3, _("P3 Biasa")
    LOW = 4, _("P4 Rendah / non-darurat")


class IncidentCategory(models.Model):
    # The category of an incident nobody has classified yet: a neighbour's EIDO without an incident type (or with
    # one we cannot map). A real row, so routing, reports and every console keep working on it; inactive, so no
    # picker offers it and no call-taker can log a new incident under it (incidents.services.incidents).
    UNCLASSIFIED = "perlu-diklasifikasi"

    code = models.SlugField(_("kode"), max_length=40, unique=True)  # "kebakaran"
    name_id = models.CharField(_("nama (Indonesia)"), max_length=120)
    name_en = models.CharField(_("nama (Inggris)"), max_length=120)
    default_priority = models.PositiveSmallIntegerField(_("prioritas bawaan"), choices=Priority.choices, default=Priority.STANDARD)
    responsible_agency_types = ArrayField(
        models.CharField(max_length=20), verbose_name=_("jenis instansi penanggung jawab"), default=list, blank=True
    )
    required_capabilities = ArrayField(
        models.CharField(max_length=40), verbose_name=_("kemampuan unit yang dibutuhkan"), default=list, blank=True
    )
    # Categories a duplicate search also looks at (a "kebakaran" caller may be reporting the same smoke as a "rumah roboh").
    related = models.ManyToManyField("self", verbose_name=_("kategori terkait"), blank=True, symmetrical=True)
    # SOP checklist: [{"key", "question_id", "question_en", "type": "bool|text|choice", "choices": [...],
    #                  "priority_if": {"answer": value, "priority": n}}]
    question_script = models.JSONField(_("daftar pertanyaan"), default=list, blank=True)
    # A service target such as Damkar's SPM "on scene within 15 min"; null = no target.
    on_scene_target_min = models.PositiveIntegerField(_("target tiba (menit)"), null=True, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("kategori kejadian")
        verbose_name_plural = _("kategori kejadian")
        ordering = ["name_id"]

    def __str__(self):
        return self.name_id


class EscalationRule(models.Model):
    """How long an agency has to acknowledge an assignment; the most specific matching rule wins."""

    command_centre = models.ForeignKey(
        "agencies.CommandCentre", verbose_name=_("pusat panggilan"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="escalation_rules",
    )
    category = models.ForeignKey(IncidentCategory, verbose_name=_("kategori"), null=True, blank=True, on_delete=models.CASCADE)
    priority = models.PositiveSmallIntegerField(_("prioritas"), choices=Priority.choices, null=True, blank=True)
    ack_seconds = models.PositiveIntegerField(_("batas konfirmasi (detik)"))
    # After expiry and re-offer, a second stage notifies people (SMS/WhatsApp/email) this much later.
    second_stage_seconds = models.PositiveIntegerField(_("tahap kedua (detik)"), default=120)

    class Meta:
        verbose_name = _("aturan eskalasi")
        verbose_name_plural = _("aturan eskalasi")
        constraints = [
            models.UniqueConstraint(
                fields=["command_centre", "category", "priority"],
                name="escalation_rule_unique",
                nulls_distinct=False,
            )
        ]


# The times a call may carry (issue 28): a PBX with a reset clock sent the year 0001, which froze every centre's
# reports. Bounded by constants, because a CHECK may not call now() (it must be immutable): nothing this system
# records happened before 2000 or after 2099. Between the columns, answered/ended may precede the start by at most
# CALL_TIME_SKEW — the PBX's clock is not the servers' (the API accepts a start up to 5 min ahead), and several
# web hosts stamp one call — but never by hours: such a row is a broken clock, not a call.
CALL_TIME_MIN = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
CALL_TIME_MAX = datetime.datetime(2100, 1, 1, tzinfo=datetime.timezone.utc)
CALL_TIME_SKEW = datetime.timedelta(minutes=10)


def _plausible(field):
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": CALL_TIME_MIN, f"{field}__lt": CALL_TIME_MAX})


class Call(models.Model):
    class Status(models.TextChoices):
        RINGING = "ringing", _("Berdering")  # pushed by the PBX, not yet claimed by a call-taker
        ACTIVE = "active", _("Dijawab")  # a call-taker is talking
        ENDED = "ended", _("Selesai")

    class Disposition(models.TextChoices):
        GENUINE = "genuine", _("Darurat")
        INFO = "info", _("Informasi / non-darurat")
        GHOST = "ghost", _("Panggilan kosong")
        PRANK = "prank", _("Iseng")
        DUPLICATE = "duplicate", _("Duplikat")
        MISDIAL = "misdial", _("Salah sambung")
        TEST = "test", _("Uji coba")

    # One keystroke closes these; they never become incidents.
    NON_INCIDENT_DISPOSITIONS = frozenset({Disposition.INFO, Disposition.GHOST, Disposition.PRANK, Disposition.MISDIAL, Disposition.TEST})
    # How long a call closed with one of those stays undoable (a slip of the keyboard is noticed in seconds; after
    # ten minutes the caller has long hung up and the history must not change under the supervisor's feet).
    REOPEN_WINDOW_SECONDS = 600

    class Channel(models.TextChoices):
        VOICE = "voice", _("Telepon")
        # A text-only emergency: an SMS to the centre's 112 number (deaf callers, a caller who must stay silent).
        SMS = "sms", _("SMS")

    command_centre = models.ForeignKey("agencies.CommandCentre", on_delete=models.PROTECT, related_name="calls")
    # db_default too: bulk writers outside the ORM (reporting's generate_history COPY) leave it out
    channel = models.CharField(_("saluran"), max_length=8, choices=Channel.choices, default=Channel.VOICE, db_default=Channel.VOICE)
    external_id = models.CharField(_("ID PBX"), max_length=100, null=True, blank=True)
    # The console's own key for a call it started while the server was away (issue 26): the call sent again when the
    # server is back is created once (incidents.services.calls.call_start). Unique per centre.
    client_key = models.CharField(_("kunci klien"), max_length=100, null=True, blank=True)
    line = models.CharField(_("jalur"), max_length=40, blank=True)
    caller_number = models.CharField(_("nomor penelepon"), max_length=32, blank=True, db_index=True)
    # The number however it was written, as one key (incidents.phone): computed by PostgreSQL, never drifts.
    caller_key = models.GeneratedField(expression=caller_key_expression(), output_field=models.CharField(max_length=32), db_persist=True)
    caller_name = models.CharField(_("nama penelepon"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    disposition = models.CharField(_("klasifikasi"), max_length=10, choices=Disposition.choices, blank=True)
    ringing_at = models.DateTimeField(_("berdering"), null=True, blank=True)
    answered_at = models.DateTimeField(_("dijawab"), null=True, blank=True)
    ended_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    call_taker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    # Who classified it closed (ghost, prank, …): only they, or a supervisor of the centre, may undo that
    # within REOPEN_WINDOW (incidents.services.calls.call_reopen).
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ditutup oleh"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    # Device-based location (AML/ELS) attached by the AML receiver.
    device_location = models.PointField(_("lokasi perangkat"), srid=4326, null=True, blank=True)
    device_accuracy_m = models.FloatField(_("akurasi perangkat (m)"), null=True, blank=True)
    device_location_at = models.DateTimeField(_("waktu lokasi perangkat"), null=True, blank=True)
    note = models.TextField(_("catatan"), blank=True)

    class Meta:
        verbose_name = _("panggilan")
        verbose_name_plural = _("panggilan")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["command_centre", "external_id"], name="call_external_id_unique"),
            models.UniqueConstraint(fields=["command_centre", "client_key"], name="call_client_key_unique"),
            # device_location_at is the handset's own clock (AML), not the call's: the AML receiver bounds it.
            models.CheckConstraint(
                condition=_plausible("ringing_at") & _plausible("answered_at") & _plausible("ended_at")
                & (Q(ringing_at__isnull=True) | Q(answered_at__isnull=True) | Q(answered_at__gte=F("ringing_at") - CALL_TIME_SKEW))
                & (Q(ringing_at__isnull=True) | Q(ended_at__isnull=True) | Q(ended_at__gte=F("ringing_at") - CALL_TIME_SKEW))
                & (Q(answered_at__isnull=True) | Q(ended_at__isnull=True) | Q(ended_at__gte=F("answered_at") - CALL_TIME_SKEW)),
                name="call_times_plausible",
            ),
        ]
        indexes = [
            models.Index(fields=["caller_number", "-answered_at"], name="call_number_recent"),
            models.Index(fields=["caller_key", "-answered_at"], name="call_caller_key_recent"),
        ]

    def __str__(self):
        return f"{self.caller_number or '?'} ({self.get_status_display()})"


class Incident(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("Baru")  # logged, not yet routed
        ROUTED = "routed", _("Diteruskan")  # offered to agencies, none accepted yet
        ACCEPTED = "accepted", _("Diterima")  # at least one agency accepted
        DISPATCHED = "dispatched", _("Unit ditugaskan")
        EN_ROUTE = "en_route", _("Unit menuju lokasi")
        ON_SCENE = "on_scene", _("Unit di lokasi")
        RESOLVED = "resolved", _("Tertangani")  # every agency completed its work
        CLOSED = "closed", _("Ditutup")  # the centre closed the ticket
        CANCELLED = "cancelled", _("Dibatalkan")

    OPEN_STATUSES = frozenset({Status.NEW, Status.ROUTED, Status.ACCEPTED, Status.DISPATCHED, Status.EN_ROUTE, Status.ON_SCENE, Status.RESOLVED})
    # location_source of an incident placed from a civic address only (an EIDO without coordinates): the pin is
    # the named region's centre or the centre's own, and the console asks the call-taker to confirm it.
    LOCATION_TO_CONFIRM = "eido_civic"
    TERMINAL_STATUSES = frozenset({Status.CLOSED, Status.CANCELLED})

    command_centre = models.ForeignKey(
        "agencies.CommandCentre", verbose_name=_("pusat panggilan"), on_delete=models.PROTECT, related_name="incidents"
    )
    reference = models.CharField(_("nomor tiket"), max_length=24, unique=True)  # PKY-2026-000123
    year = models.PositiveSmallIntegerField(_("tahun"))
    number = models.PositiveIntegerField(_("nomor urut"))
    category = models.ForeignKey(IncidentCategory, verbose_name=_("kategori"), on_delete=models.PROTECT, related_name="incidents")
    priority = models.PositiveSmallIntegerField(_("prioritas"), choices=Priority.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW, db_index=True)
    location = models.PointField(_("lokasi"), srid=4326, spatial_index=False)
    address = models.CharField(_("alamat"), max_length=255, blank=True)
    location_accuracy_m = models.FloatField(_("akurasi lokasi (m)"), null=True, blank=True)
    location_source = models.CharField(_("sumber lokasi"), max_length=20, blank=True)  # map, landmark, coordinates, aml
    regency = models.ForeignKey(
        "agencies.Region", verbose_name=_("kabupaten/kota"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "agencies.Region", verbose_name=_("kecamatan"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        "agencies.Region", verbose_name=_("kelurahan/desa"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outside_service_area = models.BooleanField(_("di luar wilayah layanan"), default=False)
    description = models.TextField(_("uraian"), blank=True)
    caller_number = models.CharField(_("nomor penelepon"), max_length=32, blank=True, db_index=True)
    caller_key = models.GeneratedField(expression=caller_key_expression(), output_field=models.CharField(max_length=32), db_persist=True)
    caller_name = models.CharField(_("nama penelepon"), max_length=120, blank=True)
    caller_count = models.PositiveIntegerField(_("jumlah pelapor"), default=1)
    answers = models.JSONField(_("jawaban SOP"), default=dict, blank=True)
    # Set once when a cardiac arrest is suspected (its CardiacArrest row exists): the event summary reads that row
    # only for these incidents (incidents.cardiac.arrest_of).
    cardiac_arrest_suspected = models.BooleanField(_("dugaan henti jantung"), default=False, db_default=False)
    is_public_alert = models.BooleanField(_("peringatan publik"), default=False)
    # An incident received from another CAD (NENA EIDO) keeps the sender's tracking id for dedup.
    external_tracking_id = models.CharField(_("ID pelacakan EIDO"), max_length=255, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    # The time each stage was first reached; report intervals are computed from these and the timeline.
    call_answered_at = models.DateTimeField(_("panggilan dijawab"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"))
    routed_at = models.DateTimeField(_("diteruskan"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("diterima"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("unit ditugaskan"), null=True, blank=True)
    on_scene_at = models.DateTimeField(_("tiba di lokasi"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("tertangani"), null=True, blank=True)
    closed_at = models.DateTimeField(_("ditutup"), null=True, blank=True)
    # Service-target timer (e.g. Damkar SPM: on scene within 15 min); the sweeper alerts once when passed.
    on_scene_due_at = models.DateTimeField(_("target tiba"), null=True, blank=True)
    # The current spell with nobody holding the incident (status "new": never routed, or every agency declined or let
    # it expire): when it began, and when the supervisors get the spell's `unrouted` alert unless someone routes it
    # first. The sweeper clears the due time as it alerts, so a spell alerts once; the next spell sets it again.
    unrouted_since = models.DateTimeField(_("tanpa instansi sejak"), null=True, blank=True)
    unrouted_alert_due_at = models.DateTimeField(_("peringatan tanpa instansi pada"), null=True, blank=True)
    # A resolved incident closes by itself at this time (its centre's auto_close_resolved_min after it was resolved).
    auto_close_due_at = models.DateTimeField(_("tutup otomatis pada"), null=True, blank=True)
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)

    class Meta:
        verbose_name = _("kejadian")
        verbose_name_plural = _("kejadian")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["command_centre", "year", "number"], name="incident_number_unique"),
        ]
        indexes = [
            GistIndex(fields=["location"], name="incident_location_gist"),
            models.Index(fields=["command_centre", "status", "-created_at"], name="incident_centre_status"),
            models.Index(fields=["caller_key", "-created_at"], name="incident_caller_key"),
            models.Index(fields=["on_scene_due_at"], condition=Q(on_scene_at__isnull=True, on_scene_due_at__isnull=False), name="incident_on_scene_due"),
            # the sweeper's scans: only incidents with a deadline pending are in these indexes
            models.Index(fields=["unrouted_alert_due_at"], condition=Q(unrouted_alert_due_at__isnull=False), name="incident_unrouted_due"),
            models.Index(fields=["auto_close_due_at"], condition=Q(auto_close_due_at__isnull=False), name="incident_auto_close_due"),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    @property
    def is_unclassified(self):
        """Still waiting for someone to set its category (flagged on every console until then)."""
        return self.category.code == IncidentCategory.UNCLASSIFIED


class CardiacArrest(models.Model):
    """A suspected out-of-hospital cardiac arrest on an incident (issue 30): when it was recognised and each step of
    the dispatcher-assisted CPR after it, first time only. Exists only once suspected (from the two answers or
    flagged by the call-taker); every time here is also a timeline event, which the reports read
    (reporting.cardiac). The centre and the time are copied here so the report finds a centre's arrests by index
    without scanning incidents or the timeline (docs/cardiac-arrest.md)."""

    class Recognition(models.TextChoices):
        ANSWERS = "answers", _("Dari jawaban (tidak sadar, tidak bernapas normal)")  # the rule on the two answers
        FLAGGED = "flagged", _("Ditandai petugas")  # the call-taker pressed the key (the patient collapsed during the call)

    class Outcome(models.TextChoices):
        ROSC = "rosc", _("Nadi kembali (ROSC)")  # return of spontaneous circulation
        TRANSPORTED = "transported", _("Dibawa ke rumah sakit")
        DECEASED = "deceased", _("Meninggal")
        UNKNOWN = "unknown", _("Tidak diketahui")

    incident = models.OneToOneField(
        Incident, verbose_name=_("kejadian"), primary_key=True, on_delete=models.CASCADE, related_name="cardiac_arrest"
    )
    command_centre = models.ForeignKey(
        "agencies.CommandCentre", verbose_name=_("pusat panggilan"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # who took the call (the per-call-taker report) and when it was answered (the start of every interval)
    call_taker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("petugas penerima"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    call_answered_at = models.DateTimeField(_("panggilan dijawab"), null=True, blank=True)
    recognition = models.CharField(_("dikenali dari"), max_length=10, choices=Recognition.choices)
    recognised_at = models.DateTimeField(_("dikenali"))
    recognised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dikenali oleh"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    instructions_started_at = models.DateTimeField(_("instruksi RJP dimulai"), null=True, blank=True)
    first_compression_at = models.DateTimeField(_("kompresi pertama"), null=True, blank=True)
    aed_on_scene_at = models.DateTimeField(_("AED tiba"), null=True, blank=True)
    ems_on_scene_at = models.DateTimeField(_("ambulans tiba"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("RJP dihentikan"), null=True, blank=True)
    outcome = models.CharField(_("hasil"), max_length=12, choices=Outcome.choices, blank=True)
    # the AEDs within the centre's radius when it was recognised, nearest first (agencies.aeds.aed_summary each)
    nearest_aeds = models.JSONField(_("AED terdekat"), default=list, blank=True)

    class Meta:
        verbose_name = _("dugaan henti jantung")
        verbose_name_plural = _("dugaan henti jantung")
        indexes = [
            # the report: a centre's arrests in a time range (few rows, whatever the number of incidents)
            models.Index(fields=["command_centre", "recognised_at"], name="cardiac_centre_recognised"),
        ]

    def __str__(self):
        return str(self.incident_id)


class Assignment(models.Model):
    """An incident offered to one agency. The agency must acknowledge before ack_deadline or it escalates."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Ditawarkan")  # waiting for the agency to accept
        ACCEPTED = "accepted", _("Diterima")  # the agency owns its part of the response
        DECLINED = "declined", _("Ditolak")  # the agency said no, with a reason
        EXPIRED = "expired", _("Kedaluwarsa")  # nobody acknowledged before the deadline
        HANDED_OFF = "handed_off", _("Dialihkan")  # passed to another agency (see handed_off_to)
        COMPLETED = "completed", _("Selesai")  # the agency finished its work in the field
        CANCELLED = "cancelled", _("Dibatalkan")  # withdrawn because the incident was closed or cancelled

    LIVE_STATUSES = frozenset({Status.OFFERED, Status.ACCEPTED})
    # The agency holds the incident, or held it without giving it away: it may keep reading it. An agency that
    # declined, let it expire or handed it off loses sight of what happens next (the receiving centre's notes,
    # the caller) — it keeps only the events it was told at the time.
    RESPONSIBLE_STATUSES = LIVE_STATUSES | {Status.COMPLETED, Status.CANCELLED}
    TERMINAL_STATUSES = frozenset({Status.DECLINED, Status.EXPIRED, Status.HANDED_OFF, Status.COMPLETED, Status.CANCELLED})
    # Legal transitions: source status → allowed targets.
    TRANSITIONS = {
        Status.OFFERED: frozenset({Status.ACCEPTED, Status.DECLINED, Status.EXPIRED, Status.HANDED_OFF, Status.CANCELLED}),
        Status.ACCEPTED: frozenset({Status.COMPLETED, Status.HANDED_OFF, Status.CANCELLED}),
    }

    incident = models.ForeignKey(Incident, verbose_name=_("kejadian"), on_delete=models.CASCADE, related_name="assignments")
    agency = models.ForeignKey("agencies.Agency", verbose_name=_("instansi"), on_delete=models.PROTECT, related_name="assignments")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OFFERED)
    offered_at = models.DateTimeField(_("ditawarkan"))
    ack_deadline = models.DateTimeField(_("batas konfirmasi"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("diterima"), null=True, blank=True)
    declined_at = models.DateTimeField(_("ditolak"), null=True, blank=True)
    expired_at = models.DateTimeField(_("kedaluwarsa"), null=True, blank=True)
    handed_off_at = models.DateTimeField(_("dialihkan"), null=True, blank=True)
    completed_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("dibatalkan"), null=True, blank=True)
    reason = models.TextField(_("alasan"), blank=True)  # decline or handoff reason
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ditawarkan oleh"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ditangani oleh"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The chain of handoffs and escalations: this assignment was created from `previous`.
    previous = models.ForeignKey(
        "self", verbose_name=_("penugasan sebelumnya"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="next_assignments",
    )
    escalation_stage = models.PositiveSmallIntegerField(_("tahap eskalasi"), default=0)
    # When the second-stage notification is due (set on expiry); null when nothing is pending.
    second_stage_due_at = models.DateTimeField(_("tahap kedua jatuh tempo"), null=True, blank=True)

    class Meta:
        verbose_name = _("penugasan")
        verbose_name_plural = _("penugasan")
        ordering = ["offered_at", "id"]
        constraints = [
            # An agency holds at most one live assignment per incident.
            models.UniqueConstraint(
                fields=["incident", "agency"],
                condition=Q(status__in=["offered", "accepted"]),
                name="assignment_one_live_per_agency",
            )
        ]
        indexes = [
            # The sweeper's scan: offered rows whose deadline has passed.
            models.Index(fields=["ack_deadline"], condition=Q(status="offered"), name="assignment_due_offered"),
            models.Index(fields=["second_stage_due_at"], condition=Q(second_stage_due_at__isnull=False), name="assignment_second_stage_due"),
        ]

    def __str__(self):
        # read by people (admin rows, the alert's assignment): the agency and the status in words
        return f"{self.agency} ({self.get_status_display()})"

    def can_transition_to(self, target):
        return target in self.TRANSITIONS.get(self.status, frozenset())


class UnitDispatch(models.Model):
    """A unit sent by an agency under its accepted assignment."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="unit_dispatches")
    unit = models.ForeignKey("agencies.Unit", on_delete=models.PROTECT, related_name="dispatches")
    dispatched_at = models.DateTimeField()
    en_route_at = models.DateTimeField(null=True, blank=True)
    on_scene_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    # The travel time predicted when the unit was sent (incidents.routing: road by OSRM, or the straight-line
    # estimate when the engine was down), compared in the reports with en route → on scene.
    predicted_eta_s = models.PositiveIntegerField(_("perkiraan waktu tempuh (detik)"), null=True, blank=True)
    predicted_road_m = models.PositiveIntegerField(_("perkiraan jarak jalan (m)"), null=True, blank=True)
    # "road" | "straight_line"; a database default too, so rows inserted by SQL (and by the previous release during a
    # rolling deploy) need not name it
    eta_basis = models.CharField(_("dasar perkiraan"), max_length=16, blank=True, default="", db_default="")

    class Meta:
        ordering = ["dispatched_at", "id"]
        constraints = [
            # A unit is on at most one incident at a time.
            models.UniqueConstraint(fields=["unit"], condition=Q(released_at__isnull=True), name="unit_one_active_dispatch"),
        ]


class TimelineEvent(models.Model):
    """Append-only: the audit log, the source of live updates and of report intervals.

    `seq` is global and strictly increasing in commit order (incidents.timeline takes a transaction
    advisory lock before drawing it), so a console that saw seq N can ask for everything after N.
    A database trigger (migration 0002) refuses UPDATE and DELETE.
    """

    seq = models.BigAutoField(_("urutan"), primary_key=True)
    at = models.DateTimeField(_("waktu"), db_index=True)
    kind = models.CharField(_("jenis"), max_length=60)  # "incident.created", "assignment.accepted", …
    incident = models.ForeignKey(
        Incident, verbose_name=_("kejadian"), null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pelaku"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who may see it: every centre, agency and community concerned at the time of the event.
    centre_ids = ArrayField(models.BigIntegerField(), verbose_name=_("pusat panggilan penerima"), default=list)
    agency_ids = ArrayField(models.BigIntegerField(), verbose_name=_("instansi penerima"), default=list)
    community_ids = ArrayField(models.BigIntegerField(), verbose_name=_("komunitas penerima"), default=list)
    payload = models.JSONField(_("isi"), default=dict)

    class Meta:
        verbose_name = _("peristiwa linimasa")
        verbose_name_plural = _("linimasa")
        ordering = ["seq"]
        indexes = [
            GinIndex(fields=["centre_ids"], name="event_centre_ids_gin"),
            GinIndex(fields=["agency_ids"], name="event_agency_ids_gin"),
            GinIndex(fields=["community_ids"], name="event_community_ids_gin"),
        ]

    def __str__(self):
        # the kind is a code; pages show it in words (incidents.timeline_text), so the name is the sequence number
        return f"#{self.seq}"


class IdempotencyRecord(models.Model):
    """A client-generated key for a create request: a resubmit returns the first result, never a second incident."""

    key = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]


class SupervisorAlert(models.Model):
    """Something late or wrong a supervisor must see: expired assignment, breached service target."""

    class Kind(models.TextChoices):
        ASSIGNMENT_EXPIRED = "assignment_expired", _("Penugasan tidak dikonfirmasi")
        NO_BACKUP = "no_backup", _("Tidak ada instansi cadangan")
        TARGET_BREACHED = "target_breached", _("Target waktu terlampaui")
        SECOND_STAGE = "second_stage", _("Eskalasi tahap kedua")
        # nobody holds the incident (never routed, or every agency declined / let it expire) for longer than its
        # priority's threshold: one per spell, keyed by the assignment whose end began it (none: never routed)
        UNROUTED = "unrouted", _("Tidak ada instansi yang menangani")
        # the centre's, not an incident's: the coordination reports stopped following the timeline (issue 28)
        REPORTS_STALE = "reports_stale", _("Laporan tidak diperbarui")

    # Kinds about the centre itself: no incident, one open alert per centre and kind.
    CENTRE_KINDS = frozenset({Kind.REPORTS_STALE})

    command_centre = models.ForeignKey(
        "agencies.CommandCentre", verbose_name=_("pusat panggilan"), on_delete=models.CASCADE, related_name="alerts"
    )
    # null only for a centre's own alert (CENTRE_KINDS)
    incident = models.ForeignKey(Incident, verbose_name=_("kejadian"), null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    assignment = models.ForeignKey(
        Assignment, verbose_name=_("penugasan"), null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(_("jenis"), max_length=30, choices=Kind.choices)
    message = models.TextField(_("pesan"))
    created_at = models.DateTimeField(_("dibuat"))
    acknowledged_at = models.DateTimeField(_("dikonfirmasi"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dikonfirmasi oleh"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("peringatan supervisor")
        verbose_name_plural = _("peringatan supervisor")
        ordering = ["-created_at"]
        constraints = [
            # Exactly-once escalation: one alert of a kind per assignment, or per incident for incident-level alerts.
            models.UniqueConstraint(fields=["assignment", "kind"], name="alert_once_per_assignment_kind"),
            models.UniqueConstraint(fields=["incident", "kind"], condition=Q(assignment__isnull=True), name="alert_once_per_incident_kind"),
            # a centre's own alert: one open at a time (acknowledged, the next episode may raise another)
            models.UniqueConstraint(
                fields=["command_centre", "kind"], condition=Q(incident__isnull=True, acknowledged_at__isnull=True),
                name="alert_once_open_per_centre_kind",
            ),
            models.CheckConstraint(condition=Q(incident__isnull=False) | Q(kind__in=["reports_stale"]), name="alert_incident_or_centre_kind"),
        ]


class IncidentCounter(models.Model):
    """Per centre and year: the last reference number drawn (PKY-2026-000123)."""

    command_centre = models.ForeignKey("agencies.CommandCentre", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["command_centre", "year"], name="incident_counter_unique")]


class Notification(models.Model):
    """A message to a person outside the consoles (SMS, WhatsApp, email), sent by a pluggable backend with retries."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        WHATSAPP = "whatsapp", _("WhatsApp")
        EMAIL = "email", _("Email")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Antre")  # waiting for the worker
        SENDING = "sending", _("Sedang dikirim")  # a worker claimed it and is handing it to the gateway
        SENT = "sent", _("Terkirim")  # the backend accepted it
        # Same Indonesian word as an agency's "accepted", different English: the context keeps them apart.
        DELIVERED = "delivered", pgettext_lazy("notification status", "Diterima")  # the gateway confirmed delivery
        FAILED = "failed", _("Gagal")  # retries exhausted

    channel = models.CharField(_("saluran"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("penerima"), max_length=254)
    subject = models.CharField(_("judul"), max_length=200, blank=True)
    body = models.TextField(_("isi pesan"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    backend = models.CharField(_("gerbang pengirim"), max_length=60, blank=True)
    external_id = models.CharField(_("ID di gerbang"), max_length=120, blank=True)
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    last_error = models.TextField(_("galat terakhir"), blank=True)
    incident = models.ForeignKey(
        Incident, verbose_name=_("kejadian"), null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    assignment = models.ForeignKey(
        Assignment, verbose_name=_("penugasan"), null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    # Why it was sent ("second_stage", "callout", …) so the same reason is never sent twice for one assignment.
    reason = models.CharField(_("alasan kirim"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("dibuat"))
    sent_at = models.DateTimeField(_("terkirim"), null=True, blank=True)
    # When a worker claimed it (status SENDING); a claim far older than a send can take belongs to a dead worker.
    claimed_at = models.DateTimeField(_("diambil pekerja"), null=True, blank=True)

    class Meta:
        verbose_name = _("notifikasi")
        verbose_name_plural = _("notifikasi")
        ordering = ["-created_at"]


class AmlReport(models.Model):
    """A handset location (AML / Android ELS) as received, kept raw for audit; attached to the caller's recent call."""

    received_at = models.DateTimeField(_("diterima"), db_index=True)
    source = models.CharField(_("jalur"), max_length=10)  # "https" or "sms"
    raw = models.JSONField(_("data mentah"), default=dict)
    device_number = models.CharField(_("nomor perangkat"), max_length=32, blank=True, db_index=True)
    location = models.PointField(_("lokasi"), srid=4326, null=True, blank=True, spatial_index=False)
    accuracy_m = models.FloatField(_("akurasi (m)"), null=True, blank=True)
    location_time = models.DateTimeField(_("waktu lokasi"), null=True, blank=True)
    positioning_method = models.CharField(_("metode penentuan posisi"), max_length=20, blank=True)
    call = models.ForeignKey(
        Call, verbose_name=_("panggilan"), null=True, blank=True, on_delete=models.SET_NULL, related_name="aml_reports"
    )
    # Sender's own id where it gives one; a repeat is acknowledged and not stored twice.
    dedup_key = models.CharField(_("kunci deduplikasi"), max_length=200, unique=True)
    problems = ArrayField(models.CharField(max_length=200), verbose_name=_("masalah"), default=list, blank=True)

    class Meta:
        verbose_name = _("laporan lokasi AML")
        verbose_name_plural = _("laporan lokasi AML")
        ordering = ["-received_at"]


# --- The caller's phone as a sensor (issue 24): a link sent by SMS during the call --------------------------------


class CallerLink(models.Model):
    """A link texted to the caller: their phone's browser sends its GPS fixes, photos and chat messages to the
    call or incident it belongs to. The token itself is never stored, only its SHA-256 (a database read yields no
    live link); it is derived from `token_salt` and the server's secret so the same link can be texted again."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Aktif")  # the caller may use it until expires_at
        REVOKED = "revoked", _("Dicabut")  # a call-taker ended it (sent to the wrong number, abuse)
        ENDED = "ended", _("Berakhir")  # the incident was closed or cancelled
        EXPIRED = "expired", _("Kedaluwarsa")  # its time ran out (the sweeper records it; the API refuses it at once)

    TERMINAL_STATUSES = frozenset({Status.REVOKED, Status.ENDED, Status.EXPIRED})

    command_centre = models.ForeignKey(
        "agencies.CommandCentre", verbose_name=_("pusat panggilan"), on_delete=models.PROTECT, related_name="caller_links"
    )
    # Sent during a call (before its incident exists) or for an incident; the call's link follows it to the incident.
    call = models.ForeignKey(Call, verbose_name=_("panggilan"), null=True, blank=True, on_delete=models.CASCADE, related_name="caller_links")
    incident = models.ForeignKey(
        Incident, verbose_name=_("kejadian"), null=True, blank=True, on_delete=models.CASCADE, related_name="caller_links"
    )
    sent_to = models.CharField(_("dikirim ke"), max_length=32)
    token_salt = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("dibuat"))
    last_sent_at = models.DateTimeField(_("terakhir dikirim"))
    send_count = models.PositiveSmallIntegerField(_("jumlah kirim"), default=1)
    expires_at = models.DateTimeField(_("berlaku sampai"))
    opened_at = models.DateTimeField(_("dibuka"), null=True, blank=True)
    ended_at = models.DateTimeField(_("berakhir"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dikirim oleh"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the centre knew before the link (the reports' "accuracy gained"): the AML fix's or the pin's accuracy.
    baseline_accuracy_m = models.FloatField(_("akurasi sebelum tautan (m)"), null=True, blank=True)
    baseline_source = models.CharField(_("sumber lokasi sebelum tautan"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("tautan penelepon")
        verbose_name_plural = _("tautan penelepon")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(call__isnull=False) | Q(incident__isnull=False), name="caller_link_has_call_or_incident"),
        ]
        indexes = [
            models.Index(fields=["incident", "-created_at"], name="caller_link_incident"),
            models.Index(fields=["call", "-created_at"], name="caller_link_call"),
            models.Index(fields=["expires_at"], condition=Q(status="active"), name="caller_link_active_expiry"),
            models.Index(fields=["command_centre", "created_at"], name="caller_link_centre_created"),
        ]

    def __str__(self):
        return f"#{self.pk} ({self.get_status_display()})"


class CallerPosition(models.Model):
    """One fix from the caller's phone. Shown as its own marker; it moves the incident only when adopted."""

    link = models.ForeignKey(CallerLink, verbose_name=_("tautan"), on_delete=models.CASCADE, related_name="positions")
    call = models.ForeignKey(Call, verbose_name=_("panggilan"), null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, verbose_name=_("kejadian"), null=True, blank=True, on_delete=models.CASCADE, related_name="caller_positions")
    location = models.PointField(_("lokasi"), srid=4326, spatial_index=False)
    accuracy_m = models.FloatField(_("akurasi (m)"))
    heading = models.FloatField(_("arah (derajat)"), null=True, blank=True)
    speed = models.FloatField(_("kecepatan (m/s)"), null=True, blank=True)
    received_at = models.DateTimeField(_("diterima"))
    adopted_at = models.DateTimeField(_("dipakai sebagai lokasi kejadian"), null=True, blank=True)
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("lokasi dari penelepon")
        verbose_name_plural = _("lokasi dari penelepon")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["incident", "-received_at"], name="caller_position_incident"),
            models.Index(fields=["call", "-received_at"], name="caller_position_call"),
        ]


class CallerPhoto(models.Model):
    """A photo from the caller, decoded and re-encoded (no EXIF, GPS or maker data survives), served only to staff."""

    link = models.ForeignKey(CallerLink, verbose_name=_("tautan"), on_delete=models.CASCADE, related_name="photos")
    call = models.ForeignKey(Call, verbose_name=_("panggilan"), null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, verbose_name=_("kejadian"), null=True, blank=True, on_delete=models.CASCADE, related_name="caller_photos")
    image = models.FileField(_("gambar"), upload_to="caller-photos/", max_length=200)
    thumbnail = models.FileField(_("gambar kecil"), upload_to="caller-photos/", max_length=200)
    width = models.PositiveIntegerField(_("lebar"))
    height = models.PositiveIntegerField(_("tinggi"))
    size_bytes = models.PositiveIntegerField(_("ukuran (bita)"))
    original_format = models.CharField(_("format asli"), max_length=10)
    received_at = models.DateTimeField(_("diterima"))

    class Meta:
        verbose_name = _("foto dari penelepon")
        verbose_name_plural = _("foto dari penelepon")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["incident", "-received_at"], name="caller_photo_incident"),
            models.Index(fields=["call", "-received_at"], name="caller_photo_call"),
        ]


class CallerMessage(models.Model):
    """One chat message between the caller and the centre: through the link's page, or by SMS (a text-only call)."""

    class Direction(models.TextChoices):
        INBOUND = "in", _("Dari penelepon")
        OUTBOUND = "out", _("Dari petugas")

    class Channel(models.TextChoices):
        WEB = "web", _("Halaman tautan")
        SMS = "sms", _("SMS")

    link = models.ForeignKey(CallerLink, verbose_name=_("tautan"), null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    call = models.ForeignKey(Call, verbose_name=_("panggilan"), null=True, blank=True, on_delete=models.CASCADE, related_name="caller_messages")
    incident = models.ForeignKey(Incident, verbose_name=_("kejadian"), null=True, blank=True, on_delete=models.CASCADE, related_name="caller_messages")
    command_centre = models.ForeignKey("agencies.CommandCentre", verbose_name=_("pusat panggilan"), on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(_("arah"), max_length=3, choices=Direction.choices)
    channel = models.CharField(_("saluran"), max_length=3, choices=Channel.choices)
    text = models.TextField(_("pesan"))
    at = models.DateTimeField(_("waktu"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("petugas"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # An inbound SMS keeps the gateway's id: a webhook delivered twice stores the message once.
    sms_message_id = models.CharField(max_length=120, null=True, blank=True, unique=True)
    notification = models.ForeignKey(Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("pesan penelepon")
        verbose_name_plural = _("pesan penelepon")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(call__isnull=False) | Q(incident__isnull=False), name="caller_message_has_call_or_incident"),
        ]
        indexes = [
            models.Index(fields=["incident", "at"], name="caller_message_incident"),
            models.Index(fields=["call", "at"], name="caller_message_call"),
        ]
