"""Writes of the reporting app: the stored monthly report of a centre (built on the 1st in the centre's zone,
rebuilt idempotently: one row and one set of files per centre and month, replaced in place). Reports are
computed from the timeline and the calls, never from hand tallies."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from agencies.models import CommandCentre

from . import exports
from .models import MonthlyReport
from .rollup import next_month, rollup_refresh
from .selectors import ReportQuery, coordination_report


def previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def monthly_report_build(*, centre: CommandCentre, month: dt.date) -> MonthlyReport:
    """Build (or rebuild) `centre`'s report of the local month starting `month`; the same row and file names
    every time, so running it twice leaves one report with the latest numbers."""
    month = month.replace(day=1)
    rollup_refresh()
    report = coordination_report(query=ReportQuery(centres=(centre,), first=month, last=next_month(month) - dt.timedelta(days=1)))
    files = {
        "csv_file": exports.to_csv(report),
        "xlsx_file": exports.to_xlsx(report),
        "pdf_file": exports.to_pdf(report),
    }
    with transaction.atomic():
        existing = MonthlyReport.objects.select_for_update().filter(command_centre=centre, month=month).first()
        obj = existing or MonthlyReport(command_centre=centre, month=month, build_count=0)
        obj.data = report
        obj.generated_at = timezone.now()
        obj.build_count += 1
        for field, content in files.items():
            stored = getattr(obj, field)
            if stored:
                stored.storage.delete(stored.name)  # the same name again, not a suffixed copy beside the old one
            ext = field.split("_")[0]
            stored.save(f"laporan-112-{centre.code}-{month:%Y-%m}.{ext}", ContentFile(content), save=False)
        obj.save()
    return obj


def monthly_reports_due(*, now: dt.datetime | None = None) -> list[tuple[CommandCentre, dt.date]]:
    """Centres whose last local month has ended and has no stored report yet: on the 1st in the centre's
    zone, or later if the 1st was missed (worker down)."""
    now = now or timezone.now()
    due = []
    for centre in CommandCentre.objects.order_by("code"):
        local = now.astimezone(ZoneInfo(centre.timezone))
        month = previous_month(local.date())
        if not MonthlyReport.objects.filter(command_centre=centre, month=month).exists():
            due.append((centre, month))
    return due
