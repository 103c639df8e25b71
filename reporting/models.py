"""Coordination reports: per-centre targets, stored monthly reports, and the rollup tables the report reads.

The rollups are derived data, rebuilt per (centre, local day) from the incidents' stage timestamps and the
calls whenever the timeline shows something changed (reporting.rollup); nothing here is a hand tally.
"""
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class Interval(models.TextChoices):
    """Report intervals; all are measured in whole seconds rounded up (reporting.rollup, docs/reports.md)."""

    ANSWER = "answer", _("Berdering → dijawab")  # per call
    CALL_TO_INCIDENT = "call_to_incident", _("Dijawab → kejadian dibuat")  # per incident
    PROCESSING = "processing", _("Kejadian dibuat → diteruskan pertama (pemrosesan)")  # per incident
    ALARM_PROCESSING = "alarm_processing", _("Dijawab → diteruskan pertama (NFPA 1221)")  # per incident
    ACCEPTANCE = "acceptance", _("Diteruskan → diterima instansi")  # per assignment
    TURNOUT = "turnout", _("Diterima → unit pertama berangkat")  # per assignment
    TRAVEL = "travel", _("Berangkat → tiba di lokasi")  # per assignment
    RESPONSE = "response", _("Diteruskan → tiba di lokasi (respons)")  # per assignment
    ON_SCENE_TO_RESOLVED = "on_scene_to_resolved", _("Tiba → tertangani")  # per incident
    CREATED_TO_CLOSED = "created_to_closed", _("Kejadian dibuat → ditutup")  # per incident


# Intervals measured per assignment (an agency's own clock) — the rest are per incident or per call.
AGENCY_INTERVALS = frozenset({Interval.ACCEPTANCE, Interval.TURNOUT, Interval.TRAVEL, Interval.RESPONSE})


class ReportTarget(models.Model):
    """A service standard a centre is measured against: `goal_percent` of `interval` within `threshold_s`.
    A centre without its own row for a code gets the default (reporting.targets.DEFAULT_TARGETS)."""

    command_centre = models.ForeignKey(
        "agencies.CommandCentre", verbose_name=_("pusat panggilan"), on_delete=models.CASCADE, related_name="report_targets"
    )
    code = models.SlugField(_("kode"), max_length=40)
    name = models.CharField(_("nama"), max_length=160)
    interval = models.CharField(_("interval"), max_length=30, choices=Interval.choices)
    threshold_s = models.PositiveIntegerField(_("batas (detik)"))
    goal_percent = models.DecimalField(_("sasaran (%)"), max_digits=5, decimal_places=2, default=90)
    # Only assignments of agencies of this type (e.g. "fire" for Damkar's SPM); blank = all.
    agency_type = models.CharField(_("jenis instansi"), max_length=20, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("target layanan")
        verbose_name_plural = _("target layanan")
        ordering = ["command_centre_id", "code"]
        constraints = [models.UniqueConstraint(fields=["command_centre", "code"], name="report_target_unique")]

    def __str__(self):
        return f"{self.command_centre_id} {self.code}"


def monthly_upload_to(instance, filename):
    return f"reports/monthly/{instance.command_centre.code}/{instance.month:%Y-%m}/{filename}"


class MonthlyReport(models.Model):
    """Last month's report of one centre, built on the 1st in the centre's zone; a rebuild replaces it."""

    command_centre = models.ForeignKey(
        "agencies.CommandCentre", verbose_name=_("pusat panggilan"), on_delete=models.CASCADE, related_name="monthly_reports"
    )
    month = models.DateField(_("bulan"))  # the first day of the month
    data = models.JSONField(_("isi laporan"), default=dict)
    csv_file = models.FileField(_("berkas CSV"), upload_to=monthly_upload_to, max_length=255)
    xlsx_file = models.FileField(_("berkas XLSX"), upload_to=monthly_upload_to, max_length=255)
    pdf_file = models.FileField(_("berkas PDF"), upload_to=monthly_upload_to, max_length=255)
    generated_at = models.DateTimeField(_("dibuat"))
    build_count = models.PositiveIntegerField(_("jumlah pembuatan"), default=1)

    class Meta:
        verbose_name = _("laporan bulanan")
        verbose_name_plural = _("laporan bulanan")
        ordering = ["-month", "command_centre_id"]
        constraints = [models.UniqueConstraint(fields=["command_centre", "month"], name="monthly_report_unique")]


class RollupState(models.Model):
    """The last timeline seq the rollups took into account (one row). `seq` follows commit order, so
    'everything after N' misses nothing."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    # when the rollups were last complete up to last_seq (the report's data_as_of)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    # issue 28: what failed last and when (a refresh that failed, or one of its runs), the (centre, first, last) runs
    # the next refresh retries, and when the supervisors were alerted about this stale episode (cleared once current)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    retry_days = models.JSONField(default=list, blank=True)
    stale_alerted_at = models.DateTimeField(null=True, blank=True)


class DataErrorStat(models.Model):
    """Values the rollups could not place (issue 28), per centre and local day: intervals left out of the histograms
    (`negative`: an end before its start; `too_long`: beyond reporting.rollup.MAX_INTERVAL_S), and with day NULL the
    centre's rows dated outside the days the rollups hold (`undated_call`, `undated_incident`). The report shows them
    so an official knows what the numbers exclude and why."""

    centre_id = models.BigIntegerField()
    day = models.DateField(null=True)
    # the incidents' (category, district) partition of the row (reporting.rollup); NULL for calls and undated rows
    category_id = models.BigIntegerField(null=True)
    district = models.CharField(max_length=13, null=True)
    interval = models.CharField(max_length=30, blank=True)
    kind = models.CharField(max_length=20)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["centre_id", "day"], name="rep_dataerr_day")]


class IncidentKey(models.Model):
    """Where the rollups last put each incident: its (centre, local day, category, district) partition (day NULL:
    undated). When an incident changes, the refresh rebuilds the partition it is in now and the one it was in — a
    category or district corrected moves its numbers out of the old cells — without a whole day's incidents."""

    incident_id = models.BigIntegerField(primary_key=True)
    centre_id = models.BigIntegerField()
    day = models.DateField(null=True)
    category_id = models.BigIntegerField()
    district = models.CharField(max_length=13)


# ───────────── rollups: one row per (centre, local day, dimensions); rebuilt, never edited ─────────────
class CallStat(models.Model):
    centre_id = models.BigIntegerField()
    day = models.DateField()
    hour = models.PositiveSmallIntegerField()  # local hour the call started
    disposition = models.CharField(max_length=10, blank=True)
    answered = models.BooleanField()
    abandoned = models.BooleanField()  # ended without being answered
    channel = models.CharField(max_length=8, default="voice")  # Call.Channel: the caller links' SMS calls (issue 27)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["centre_id", "day"], name="rep_callstat_day")]


class IncidentStat(models.Model):
    """Incidents by category and district; agency_id 0 = every incident, else incidents offered to that agency."""

    centre_id = models.BigIntegerField()
    day = models.DateField()
    category_id = models.BigIntegerField()
    district = models.CharField(max_length=13, blank=True)
    agency_id = models.BigIntegerField()
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["centre_id", "day"], name="rep_incstat_day")]


class EscalationStat(models.Model):
    """Expired acknowledgements, backups offered, breached targets, second stages, handoffs within/across."""

    centre_id = models.BigIntegerField()
    day = models.DateField()
    category_id = models.BigIntegerField()
    district = models.CharField(max_length=13, blank=True)
    agency_id = models.BigIntegerField()  # 0 when the fact is the incident's, not one agency's
    kind = models.CharField(max_length=20)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["centre_id", "day"], name="rep_escstat_day")]


class IntervalCell(models.Model):
    """The exact distribution of one interval in one rollup cell, as a sparse histogram: `seconds` (ascending,
    whole seconds rounded up) and how many intervals took each (`counts`), plus n and the exact unrounded sum.
    Percentiles and compliance over any period are exact merges of cells — never averages of percentiles.

    grain 'd' = one local day, 'm' = a local month and 'y' = a local year, each kept current by adding the
    difference of the (day, category, district) partitions the refresh measured again. Four key sets per grain:
    one category in one district (the partition itself), one category (district '*'), one district (category_id 0),
    every incident (category_id 0, district '*'); agency_id 0 = the whole centre, X = what the filter "agency X" sees. One row per cell instead of one per second: a month of a
    million incidents is a few thousand rows, not hundreds of thousands (docs/reports.md)."""

    centre_id = models.BigIntegerField()
    grain = models.CharField(max_length=1)
    start = models.DateField()
    category_id = models.BigIntegerField()  # 0 = every category
    district = models.CharField(max_length=13)  # '*' = every district; '' = outside the known districts
    interval = models.CharField(max_length=30)
    agency_id = models.BigIntegerField()  # 0 for the whole centre
    seconds = ArrayField(models.IntegerField())
    counts = ArrayField(models.IntegerField())
    n = models.BigIntegerField()
    total_s = models.FloatField()  # the exact (unrounded) sum, for the mean

    class Meta:
        constraints = [
            # also the read path: a period's blocks × one key set
            models.UniqueConstraint(
                fields=["centre_id", "grain", "start", "category_id", "district", "interval", "agency_id"], name="rep_cell_key"
            )
        ]


class CallerStat(models.Model):
    """Prank and ghost calls per caller, for the repeat-number table (grain 'd' = a local day, 'm' = a local month)."""

    centre_id = models.BigIntegerField()
    grain = models.CharField(max_length=1)
    start = models.DateField()
    caller_key = models.CharField(max_length=32)
    disposition = models.CharField(max_length=10, blank=True)  # '' = the caller's month total (grain 'm' only)
    n = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["centre_id", "grain", "start"], name="rep_caller_start"),
            # a whole month's top numbers: the month totals (disposition '') in count order
            models.Index(fields=["centre_id", "grain", "start", "disposition", "-n"], name="rep_caller_top",
                         condition=models.Q(grain="m", disposition="")),
            # … and their prank/ghost split, looked up by number
            models.Index(fields=["centre_id", "start", "caller_key"], name="rep_caller_month_key", condition=models.Q(grain="m")),
            # a custom range's days (issue 27): each day's biggest prank and ghost rows, and the candidates' rows by number
            models.Index(fields=["centre_id", "start", "disposition", "-n"], name="rep_caller_day_top", condition=models.Q(grain="d")),
            models.Index(fields=["centre_id", "start", "caller_key"], name="rep_caller_day_key", condition=models.Q(grain="d")),
        ]
