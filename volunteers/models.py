"""Volunteer communities (relawan) are first-class responders: they get call-outs like agencies get assignments."""
from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GistIndex
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
    base_location = models.PointField(_("markas"), srid=4326, null=True, blank=True)
    coordinator_phone = models.CharField(_("telepon koordinator"), max_length=32, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("komunitas relawan")
        verbose_name_plural = _("komunitas relawan")
        ordering = ["command_centre_id", "name"]

    def __str__(self):
        return self.name


class Volunteer(models.Model):
    class Availability(models.TextChoices):
        AVAILABLE = "available", _("Siap")
        BUSY = "busy", _("Sedang bertugas")
        OFF = "off", _("Tidak siap")

    community = models.ForeignKey(VolunteerCommunity, on_delete=models.CASCADE, related_name="volunteers")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="volunteer"
    )
    name = models.CharField(_("nama"), max_length=160)
    phone = models.CharField(_("telepon"), max_length=32)
    skills = ArrayField(models.CharField(max_length=40), verbose_name=_("keahlian"), default=list, blank=True)
    availability = models.CharField(
        _("ketersediaan"), max_length=12, choices=Availability.choices, default=Availability.AVAILABLE
    )
    location = models.PointField(_("lokasi"), srid=4326, null=True, blank=True, spatial_index=False)
    location_at = models.DateTimeField(_("waktu lokasi"), null=True, blank=True)

    class Meta:
        verbose_name = _("relawan")
        verbose_name_plural = _("relawan")
        ordering = ["community_id", "name"]
        indexes = [GistIndex(fields=["location"], name="volunteer_location_gist")]

    def __str__(self):
        return self.name


class CallOut(models.Model):
    """A request to a community (and, once someone answers, a volunteer) to help at an incident."""

    class Status(models.TextChoices):
        SENT = "sent", _("Dikirim")  # waiting for a volunteer of the community to answer
        ACCEPTED = "accepted", _("Diterima")
        DECLINED = "declined", _("Ditolak")
        EXPIRED = "expired", _("Kedaluwarsa")  # nobody answered in time
        ON_SCENE = "on_scene", _("Di lokasi")
        COMPLETED = "completed", _("Selesai")
        CANCELLED = "cancelled", _("Dibatalkan")

    OPEN_STATUSES = frozenset({Status.SENT, Status.ACCEPTED, Status.ON_SCENE})
    # A community that took part keeps hearing the incident's events (its close, a re-route) after its own
    # call-out completed; declined, expired and cancelled call-outs stop it.
    FOLLOWING_STATUSES = OPEN_STATUSES | {Status.COMPLETED}

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="callouts")
    community = models.ForeignKey(VolunteerCommunity, on_delete=models.PROTECT, related_name="callouts")
    volunteer = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.SET_NULL, related_name="callouts")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SENT)
    sent_at = models.DateTimeField(_("dikirim"))
    ack_deadline = models.DateTimeField(_("batas jawab"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("diterima"), null=True, blank=True)
    on_scene_at = models.DateTimeField(_("tiba"), null=True, blank=True)
    completed_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    note = models.TextField(_("catatan"), blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("panggilan relawan")
        verbose_name_plural = _("panggilan relawan")
        ordering = ["-sent_at"]
