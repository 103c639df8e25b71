"""Service standards a centre is measured against. A centre's own ReportTarget row (admin) replaces the default
of the same code; a default the centre has not replaced applies as written here."""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Interval, ReportTarget


@dataclass(frozen=True)
class Target:
    code: str
    name: str
    interval: str
    threshold_s: int
    goal_percent: float
    agency_type: str = ""


DEFAULT_TARGETS = (
    Target("nena_answer_15s", _("NENA STA-020: dijawab ≤ 15 detik (90%)"), Interval.ANSWER, 15, 90),
    Target("nena_answer_20s", _("NENA STA-020: dijawab ≤ 20 detik (95%)"), Interval.ANSWER, 20, 95),
    Target("nfpa1221_alarm_64s", _("NFPA 1221: pemrosesan alarm ≤ 64 detik (90%)"), Interval.ALARM_PROCESSING, 64, 90),
    Target("nfpa1221_alarm_106s", _("NFPA 1221: pemrosesan alarm ≤ 106 detik (95%)"), Interval.ALARM_PROCESSING, 106, 95),
    Target("nfpa1710_turnout_fire_80s", _("NFPA 1710: waktu berangkat Damkar ≤ 80 detik (90%)"), Interval.TURNOUT, 80, 90, "fire"),
    Target("nfpa1710_turnout_ems_60s", _("NFPA 1710: waktu berangkat medis ≤ 60 detik (90%)"), Interval.TURNOUT, 60, 90, "ems"),
    Target("damkar_spm_15min", _("SPM Damkar: tiba di lokasi ≤ 15 menit"), Interval.RESPONSE, 900, 100, "fire"),
)


def targets_for(centre_ids) -> dict[int, list[Target]]:
    """Per centre, its active targets: the defaults, each replaced by the centre's own row of that code."""
    own = {}
    for row in ReportTarget.objects.filter(command_centre_id__in=centre_ids):
        own.setdefault(row.command_centre_id, {})[row.code] = row
    result = {}
    for centre_id in centre_ids:
        rows = own.get(centre_id, {})
        merged = {t.code: t for t in DEFAULT_TARGETS}
        for code, row in rows.items():
            if not row.is_active:
                merged.pop(code, None)
                continue
            merged[code] = Target(code, row.name, row.interval, row.threshold_s, float(row.goal_percent), row.agency_type)
        result[centre_id] = list(merged.values())
    return result
