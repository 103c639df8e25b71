"""Thin Celery tasks of the reporting app: keep the rollups current from the timeline (every 2 s) and build
last month's report of each centre once its local month has ended (hourly check; idempotent)."""
import logging

from celery import shared_task

from agencies.models import CommandCentre

from .rollup import rollup_record_failure, rollup_refresh
from .services import monthly_report_build, monthly_reports_due, reports_alert_if_stale

log = logging.getLogger(__name__)


@shared_task(name="reporting.tasks.refresh_rollups", time_limit=300, soft_time_limit=280)
def refresh_rollups():
    try:
        # never queue behind a refresh that is still running (a big backlog): the next beat comes in 2 s
        result = rollup_refresh(wait=False)
        if result.get("skipped"):
            return result
    except Exception as exc:
        # the whole refresh failed (database, time limit): recorded and alerted, then raised for the worker's log
        rollup_record_failure(exc)
        reports_alert_if_stale()
        raise
    reports_alert_if_stale()
    return result


@shared_task(name="reporting.tasks.watch_rollups", time_limit=60, soft_time_limit=50)
def watch_rollups():
    """The rollups' watchdog, on the timers queue (a worker of its own): a refresh that never runs — its worker
    dead, its queue backed up, beat stopped — alerts the supervisors too, not only one that fails."""
    return reports_alert_if_stale()


@shared_task(name="reporting.tasks.build_monthly_reports", time_limit=1800, soft_time_limit=1700)
def build_monthly_reports():
    built = []
    for centre, month in monthly_reports_due():
        try:
            monthly_report_build(centre=centre, month=month)
            built.append(f"{centre.code}:{month:%Y-%m}")
        except Exception:  # one centre's failure must not stop the others; the next hourly run retries it
            log.exception("monthly report of %s %s failed", centre.code, month)
    return built


@shared_task(name="reporting.tasks.rebuild_monthly_report", time_limit=900)
def rebuild_monthly_report(centre_id: int, month_iso: str):
    import datetime as dt

    centre = CommandCentre.objects.filter(pk=centre_id).first()
    if centre is None:
        return None
    return monthly_report_build(centre=centre, month=dt.date.fromisoformat(month_iso)).pk
