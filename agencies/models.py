"""Places, command centres, agencies with their stations and units, and the people who use the platform.

Regions follow the Kemendagri code list (province → regency/city → district → village).
"""
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TimeZoneName(models.TextChoices):
    WIB = "Asia/Jakarta", _("WIB (UTC+7)")
    WITA = "Asia/Makassar", _("WITA (UTC+8)")
    WIT = "Asia/Jayapura", _("WIT (UTC+9)")


class Region(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Provinsi")
        REGENCY = "regency", _("Kabupaten/Kota")
        DISTRICT = "district", _("Kecamatan")
        VILLAGE = "village", _("Kelurahan/Desa")

    # The Kemendagri code is the natural key every agency already uses ("62.71.01").
    code = models.CharField(_("kode Kemendagri"), max_length=13, primary_key=True)
    level = models.CharField(_("tingkat"), max_length=10, choices=Level.choices, db_index=True)
    name = models.CharField(_("nama"), max_length=120, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    timezone = models.CharField(_("zona waktu"), max_length=20, choices=TimeZoneName.choices)
    boundary = models.MultiPolygonField(_("batas wilayah"), srid=4326, null=True, blank=True, spatial_index=False)
    # Approximate boundaries (demo data) must say so wherever they are shown.
    boundary_is_approximate = models.BooleanField(_("batas perkiraan"), default=False)
    boundary_source = models.CharField(_("sumber batas"), max_length=200, blank=True)
    centroid = models.PointField(_("titik tengah"), srid=4326, null=True, blank=True)

    class Meta:
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")
        ordering = ["code"]
        indexes = [
            GistIndex(fields=["boundary"], name="region_boundary_gist"),
            models.Index(fields=["level", "name"], name="region_level_name"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class CommandCentre(models.Model):
    """A city/regency 112 Pusat Panggilan Darurat; it answers every call of the regions it serves."""

    code = models.SlugField(_("kode"), max_length=16, unique=True)  # "pky", "smd"
    reference_prefix = models.CharField(_("awalan nomor tiket"), max_length=6, unique=True)  # "PKY"
    name = models.CharField(_("nama"), max_length=120)
    province = models.ForeignKey(
        Region,
        verbose_name=_("provinsi pengawas"),
        on_delete=models.PROTECT,
        related_name="supervised_centres",
        limit_choices_to={"level": Region.Level.PROVINCE},
    )
    regions = models.ManyToManyField(
        Region,
        verbose_name=_("wilayah layanan"),
        related_name="command_centres",
        limit_choices_to={"level": Region.Level.REGENCY},
    )
    timezone = models.CharField(_("zona waktu"), max_length=20, choices=TimeZoneName.choices)
    location = models.PointField(_("lokasi"), srid=4326, null=True, blank=True)
    phone = models.CharField(_("telepon"), max_length=32, blank=True)
    # How long an incident may stay with nobody holding it (never routed, or every agency declined / let it expire)
    # before the centre's supervisors get an `unrouted` alert, by priority. Read when the spell starts, like an
    # escalation rule is read when an offer is made: a change applies to incidents left unrouted after it.
    unrouted_alert_p1_s = models.PositiveIntegerField(
        _("peringatan belum diteruskan P1 (detik)"), default=60, validators=[MinValueValidator(10), MaxValueValidator(86400)],
        help_text=_("Supervisor diberi peringatan bila kejadian P1 tidak dipegang instansi mana pun selama ini."),
    )
    unrouted_alert_p2_s = models.PositiveIntegerField(
        _("peringatan belum diteruskan P2 (detik)"), default=120, validators=[MinValueValidator(10), MaxValueValidator(86400)]
    )
    unrouted_alert_p3_s = models.PositiveIntegerField(
        _("peringatan belum diteruskan P3 (detik)"), default=300, validators=[MinValueValidator(10), MaxValueValidator(86400)]
    )
    unrouted_alert_p4_s = models.PositiveIntegerField(
        _("peringatan belum diteruskan P4 (detik)"), default=600, validators=[MinValueValidator(10), MaxValueValidator(86400)]
    )
    # A resolved incident ("Tertangani": every agency finished) closes by itself this long after it was resolved,
    # as the system's act on its timeline; 0 = never (the centre closes each by hand).
    auto_close_resolved_min = models.PositiveIntegerField(
        _("tutup otomatis setelah tertangani (menit)"), default=30, validators=[MaxValueValidator(7 * 24 * 60)],
        help_text=_("0 = tidak pernah; kejadian tertangani ditutup oleh petugas."),
    )
    # The number callers text for a text-only emergency (deaf callers, a caller who must stay silent): the SMS
    # gateway forwards what reaches it with this number as `to`, and the message rings on this centre's consoles.
    sms_number = models.CharField(_("nomor SMS 112"), max_length=32, blank=True, default="", db_default="")
    # How long a caller link (the SMS link that shares the caller's location, photos and chat) stays valid.
    caller_link_ttl_minutes = models.PositiveIntegerField(_("masa berlaku tautan penelepon (menit)"), default=120, db_default=120)
    # Suspected cardiac arrest (issue 30): the platform calls out CPR-trained volunteers near the patient by itself,
    # and lists the AEDs, within this radius.
    cardiac_auto_callout = models.BooleanField(
        _("panggil relawan RJP otomatis saat dugaan henti jantung"), default=True, db_default=True,
    )
    cardiac_radius_m = models.PositiveIntegerField(
        _("radius relawan RJP dan AED (m)"), default=800, db_default=800,
        validators=[MinValueValidator(50), MaxValueValidator(5000)],
    )

    class Meta:
        verbose_name = _("pusat panggilan")
        verbose_name_plural = _("pusat panggilan")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def unrouted_alert_seconds(self, priority) -> int:
        """The `unrouted` alert threshold of an incident of this priority (P1–P4; anything else counts as P4)."""
        return {1: self.unrouted_alert_p1_s, 2: self.unrouted_alert_p2_s, 3: self.unrouted_alert_p3_s}.get(
            priority, self.unrouted_alert_p4_s
        )


class AgencyType(models.TextChoices):
    FIRE = "fire", _("Pemadam kebakaran (Damkar)")
    EMS = "ems", _("Layanan medis (PSC 119 / Dinkes)")
    POLICE = "police", _("Kepolisian")
    SAR = "sar", _("Pencarian dan pertolongan (Basarnas)")
    DISASTER = "disaster", _("Penanggulangan bencana (BPBD)")
    PUBLIC_ORDER = "public_order", _("Ketertiban umum (Satpol PP)")
    TRANSPORT = "transport", _("Perhubungan (Dishub)")
    SOCIAL = "social", _("Sosial (Dinsos)")
    POWER = "power", _("Listrik (PLN)")
    WATER = "water", _("Air minum (PDAM)")
    RED_CROSS = "red_cross", _("Palang Merah (PMI)")
    OTHER = "other", _("Lainnya")


class Agency(models.Model):
    name = models.CharField(_("nama"), max_length=160)
    short_name = models.CharField(_("singkatan"), max_length=40)
    type = models.CharField(_("jenis"), max_length=20, choices=AgencyType.choices, db_index=True)
    command_centre = models.ForeignKey(
        CommandCentre, verbose_name=_("pusat panggilan"), on_delete=models.PROTECT, related_name="agencies"
    )
    regions = models.ManyToManyField(
        Region, verbose_name=_("wilayah layanan"), related_name="agencies", blank=True
    )
    jurisdiction = models.MultiPolygonField(_("wilayah hukum"), srid=4326, null=True, blank=True, spatial_index=False)
    # Offered the incident when this agency lets an assignment expire (escalation stage 1).
    backup_agency = models.ForeignKey(
        "self", verbose_name=_("instansi cadangan"), null=True, blank=True, on_delete=models.SET_NULL
    )
    phone = models.CharField(_("telepon"), max_length=32, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("instansi")
        verbose_name_plural = _("instansi")
        ordering = ["command_centre_id", "type", "name"]
        indexes = [GistIndex(fields=["jurisdiction"], name="agency_jurisdiction_gist")]

    def __str__(self):
        return self.short_name or self.name


class Station(models.Model):
    agency = models.ForeignKey(Agency, verbose_name=_("instansi"), on_delete=models.CASCADE, related_name="stations")
    name = models.CharField(_("nama"), max_length=160)
    address = models.CharField(_("alamat"), max_length=255, blank=True)
    location = models.PointField(_("lokasi"), srid=4326)

    class Meta:
        verbose_name = _("pos")
        verbose_name_plural = _("pos")
        ordering = ["agency_id", "name"]

    def __str__(self):
        return self.name


class Unit(models.Model):
    class Type(models.TextChoices):
        FIRE_ENGINE = "fire_engine", _("Mobil pemadam")
        WATER_TANKER = "water_tanker", _("Mobil tangki air")
        RESCUE = "rescue", _("Mobil rescue")
        AMBULANCE = "ambulance", _("Ambulans")
        PATROL = "patrol", _("Mobil patroli")
        MOTORBIKE = "motorbike", _("Sepeda motor")
        BOAT = "boat", _("Perahu")
        TRUCK = "truck", _("Truk")
        UTILITY = "utility", _("Kendaraan teknis")
        OTHER = "other", _("Lainnya")

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Siaga")  # ready at station or on patrol
        DISPATCHED = "dispatched", _("Ditugaskan")  # assigned, not yet moving
        EN_ROUTE = "en_route", _("Menuju lokasi")
        ON_SCENE = "on_scene", _("Di lokasi")
        TRANSPORTING = "transporting", _("Mengantar pasien")
        AT_HOSPITAL = "at_hospital", _("Di rumah sakit")
        OUT_OF_SERVICE = "out_of_service", _("Tidak beroperasi")

    BUSY_STATUSES = frozenset({Status.DISPATCHED, Status.EN_ROUTE, Status.ON_SCENE, Status.TRANSPORTING, Status.AT_HOSPITAL})

    agency = models.ForeignKey(Agency, verbose_name=_("instansi"), on_delete=models.CASCADE, related_name="units")
    station = models.ForeignKey(
        Station, verbose_name=_("pos"), null=True, blank=True, on_delete=models.SET_NULL, related_name="units"
    )
    call_sign = models.CharField(_("kode panggil"), max_length=40)
    type = models.CharField(_("jenis"), max_length=20, choices=Type.choices)
    capabilities = ArrayField(models.CharField(max_length=40), verbose_name=_("kemampuan"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.AVAILABLE)
    position = models.PointField(_("posisi terakhir"), srid=4326, null=True, blank=True)
    position_at = models.DateTimeField(_("waktu posisi"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status berubah"), null=True, blank=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("unit")
        ordering = ["agency_id", "call_sign"]
        constraints = [models.UniqueConstraint(fields=["agency", "call_sign"], name="unit_call_sign_unique")]
        indexes = [
            # KNN over available units only keeps matches common (shared/design/performance.md).
            GistIndex(fields=["position"], name="unit_available_position_gist", condition=Q(status="available")),
            GinIndex(fields=["capabilities"], name="unit_capabilities_gin"),
        ]

    def __str__(self):
        return self.call_sign


class UnitPosition(models.Model):
    """AVL history: every position a unit's crew phone or tracker reports."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="positions")
    position = models.PointField(srid=4326, spatial_index=False)
    recorded_at = models.DateTimeField()
    accuracy_m = models.FloatField(null=True, blank=True)
    speed_kmh = models.FloatField(null=True, blank=True)
    heading = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["unit", "-recorded_at"], name="unitposition_unit_recent")]


class Landmark(models.Model):
    """Places call-takers type by name ("RSUD Doris Sylvanus", "Bundaran Besar") entered by the admin."""

    command_centre = models.ForeignKey(
        CommandCentre, verbose_name=_("pusat panggilan"), on_delete=models.CASCADE, related_name="landmarks"
    )
    name = models.CharField(_("nama"), max_length=160, db_index=True)
    location = models.PointField(_("lokasi"), srid=4326)

    class Meta:
        verbose_name = _("tengara")
        verbose_name_plural = _("tengara")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Aed(models.Model):
    """An automated external defibrillator the public (or staff on site) can fetch: the nearest ones are listed on
    a suspected cardiac arrest and one volunteer is sent to bring one (issue 30, docs/cardiac-arrest.md)."""

    class Access(models.TextChoices):
        PUBLIC = "public", _("Umum")  # anyone may take it (a mall's hall, a station)
        RESTRICTED = "restricted", _("Terbatas")  # ask the security desk / staff on site

    command_centre = models.ForeignKey(
        CommandCentre, verbose_name=_("pusat panggilan"), on_delete=models.CASCADE, related_name="aeds"
    )
    # the regency/city it stands in (informational: the centre decides who sees it)
    region = models.ForeignKey(
        Region, verbose_name=_("wilayah"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("nama"), max_length=160)
    location = models.PointField(_("lokasi"), srid=4326, spatial_index=False)
    address = models.CharField(_("alamat / letak"), max_length=255, blank=True)
    access = models.CharField(_("akses"), max_length=12, choices=Access.choices, default=Access.PUBLIC)
    available_hours = models.CharField(_("jam tersedia"), max_length=120, blank=True, help_text=_("Mis. 24 jam, 08.00–22.00"))
    note = models.CharField(_("catatan"), max_length=255, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("AED (defibrilator)")
        verbose_name_plural = _("AED (defibrilator)")
        ordering = ["name"]
        indexes = [
            # the KNN search walks only active AEDs (agencies.aeds.aeds_near)
            GistIndex(fields=["location"], name="aed_active_location_gist", condition=models.Q(is_active=True)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["command_centre", "name"], name="aed_unique_name_per_centre"),
        ]

    def __str__(self):
        return self.name


class RoadNetwork(models.Model):
    """One imported OpenStreetMap extract (`manage.py import_roads FILE.osm.pbf`): its roads and waterways below,
    and the routing engine's files prepared from the same file. `sha256` names the data version: a map cache keyed
    on it stays valid until the next import."""

    name = models.CharField(_("nama"), max_length=40, unique=True)  # "demo", "kalteng"
    source = models.CharField(_("berkas sumber"), max_length=255)
    sha256 = models.CharField(_("sha256 berkas"), max_length=64)
    profile = models.CharField(_("profil rute"), max_length=40, default="car")
    extent = models.PolygonField(_("cakupan"), srid=4326, null=True, blank=True)
    roads = models.PositiveIntegerField(_("jumlah jalan"), default=0)
    waterways = models.PositiveIntegerField(_("jumlah sungai"), default=0)
    imported_at = models.DateTimeField(_("diimpor"))

    class Meta:
        verbose_name = _("jaringan jalan")
        verbose_name_plural = _("jaringan jalan")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Road(models.Model):
    """One OpenStreetMap way with a `highway` tag, as a line (for maps; routing itself runs in OSRM).

    Kept deliberately plain for the map layers (docs/architecture.md "Road routing"): `kind` is the OSM highway
    class (`primary`, `residential`, `service`, …), `is_bridge` marks a crossing (a river is crossed only there)."""

    network = models.ForeignKey(RoadNetwork, on_delete=models.CASCADE, related_name="road_rows")
    osm_id = models.BigIntegerField(_("id OSM"))
    name = models.CharField(_("nama"), max_length=200, blank=True)
    ref = models.CharField(_("nomor ruas"), max_length=60, blank=True)
    kind = models.CharField(_("kelas jalan"), max_length=40, db_index=True)
    is_bridge = models.BooleanField(_("jembatan"), default=False)
    oneway = models.BooleanField(_("satu arah"), default=False)
    geometry = models.LineStringField(_("geometri"), srid=4326)

    class Meta:
        verbose_name = _("ruas jalan")
        verbose_name_plural = _("ruas jalan")
        indexes = [models.Index(fields=["network", "osm_id"], name="road_network_osm")]

    def __str__(self):
        return self.name or f"{self.kind} {self.osm_id}"


class Waterway(models.Model):
    """One OpenStreetMap way with a `waterway` tag (river, canal, stream …) as a line: what the maps draw and
    what the demo's bridges cross."""

    network = models.ForeignKey(RoadNetwork, on_delete=models.CASCADE, related_name="waterway_rows")
    osm_id = models.BigIntegerField(_("id OSM"))
    name = models.CharField(_("nama"), max_length=200, blank=True)
    kind = models.CharField(_("jenis"), max_length=40, db_index=True)
    geometry = models.LineStringField(_("geometri"), srid=4326)

    class Meta:
        verbose_name = _("sungai/saluran")
        verbose_name_plural = _("sungai/saluran")

    def __str__(self):
        return self.name or f"{self.kind} {self.osm_id}"


class DispatchUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser is a platform administrator; without this the scope constraint refuses them.
        extra_fields.setdefault("role", User.Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    class Role(models.TextChoices):
        CALL_TAKER = "call_taker", _("Operator 112")
        DISPATCHER = "dispatcher", _("Dispatcher instansi")
        SUPERVISOR = "supervisor", _("Supervisor")
        OFFICIAL = "official", _("Pejabat")
        VOLUNTEER = "volunteer", _("Relawan")
        ADMIN = "admin", _("Administrator")
        CREW = "crew", _("Kru unit")  # one login per unit: the crew's phone page, that unit's work only

    role = models.CharField(_("peran"), max_length=20, choices=Role.choices, default=Role.CALL_TAKER)
    # Exactly one scope applies per role (see agencies.scoping): a centre, an agency, a community, a unit (crews)
    # or a whole province for provincial supervisors and officials.
    command_centre = models.ForeignKey(
        CommandCentre, verbose_name=_("pusat panggilan"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("instansi"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    community = models.ForeignKey(
        "volunteers.VolunteerCommunity",
        verbose_name=_("komunitas relawan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    province = models.ForeignKey(
        Region,
        verbose_name=_("provinsi"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Region.Level.PROVINCE},
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="crew_users"
    )
    phone = models.CharField(_("telepon"), max_length=32, blank=True)
    language = models.CharField(_("bahasa"), max_length=5, default="id", choices=[("id", "Bahasa Indonesia"), ("en", "English")])

    objects = DispatchUserManager()

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
        constraints = [
            models.CheckConstraint(
                name="user_scope_matches_role",
                condition=(
                    Q(role="admin")
                    | Q(role="call_taker", command_centre__isnull=False)
                    | Q(role="dispatcher", agency__isnull=False)
                    | Q(role="volunteer", community__isnull=False)
                    | Q(role="crew", unit__isnull=False)
                    | Q(role__in=["supervisor", "official"], command_centre__isnull=False)
                    | Q(role__in=["supervisor", "official"], province__isnull=False)
                ),
            )
        ]
