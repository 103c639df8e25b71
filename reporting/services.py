"""Writes of the reporting app: the stored monthly report of a centre (built on the 1st in the centre's zone,
rebuilt idempotently: one row and one set of files per centre and month, replaced in place). Reports are
computed from the timeline and the calls, never from hand tallies. And the supervisors' alert when the rollups the
reports read have gone stale (issue 28)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import CommandCentre
from incidents.models import SupervisorAlert
from incidents.services import alert_raise_for_centre

from . import exports
from .models import MonthlyReport, RollupState
from .rollup import next_month, rollup_catch_up
from .selectors import ReportQuery, coordination_report, rollup_status


def previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def monthly_report_build(*, centre: CommandCentre, month: dt.date) -> MonthlyReport:
    """Build (or rebuild) `centre`'s report of the local month starting `month`; the same row and file names
    every time, so running it twice leaves one report with the latest numbers."""
    month = month.replace(day=1)
    rollup_catch_up()
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


def reports_alert_if_stale(*, now=None) -> dict:
    """Run after every refresh and by its own beat watch (reporting.tasks): when the rollups are stale (a refresh
    failed, or they lag the timeline by more than 5 minutes) every centre's supervisors get one `reports_stale`
    alert per stale episode — the reports answer 200 with old numbers, and nobody would notice otherwise. Once the
    rollups are current again the episode ends, and a later one alerts again."""
    now = now or timezone.now()
    status = rollup_status(now=now)
    with transaction.atomic():
        state, _created = RollupState.objects.select_for_update().get_or_create(pk=1)
        if status["status"] != "stale":
            if state.stale_alerted_at is not None:
                state.stale_alerted_at = None
                state.save(update_fields=["stale_alerted_at"])
            return {**status, "alerted": 0}
        if state.stale_alerted_at is not None:
            return {**status, "alerted": 0}
        if status["failing"]:
            message = _("Pembaruan laporan koordinasi gagal; angka laporan berhenti pada %(at)s. Hubungi admin sistem.")
        else:
            message = _("Laporan koordinasi tertinggal %(min)d menit dari data terbaru (diperbarui terakhir %(at)s). Hubungi admin sistem.")
        alerted = 0
        for centre in CommandCentre.objects.order_by("pk"):
            at = "-"
            if state.refreshed_at:
                at = timezone.localtime(state.refreshed_at, ZoneInfo(centre.timezone)).strftime("%d-%m-%Y %H:%M")
            text = message % {"at": at, "min": status["lag_s"] // 60}
            if alert_raise_for_centre(centre_id=centre.pk, kind=SupervisorAlert.Kind.REPORTS_STALE, message=text, now=now):
                alerted += 1
        state.stale_alerted_at = now
        state.save(update_fields=["stale_alerted_at"])
    return {**status, "alerted": alerted}
