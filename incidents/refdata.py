"""Per-process cache of the reference data every intake reads: categories, escalation rules, agencies (with their
jurisdictions and the regions they serve) and command centres (with the regions they serve).

Why: an intake read each of these rows again on every request — the category, the centre and its served regions,
the candidate agencies with a jurisdiction test in SQL (twice: in the create answer and again in `route {}`) and the
escalation rule — five of its 34 statements, for tables an administrator edits a few times a year. Here they are
loaded once per process (a handful of small queries) and read from memory; the jurisdiction polygons become GEOS
prepared geometries, so "does this agency's jurisdiction hold the point" costs microseconds, not a statement.

How a change reaches every process (issue 15):
- a save or delete of any of these models (or of an agency's or centre's served regions) clears this process's
  cache at once and again after commit (a request that reloaded meanwhile read the old rows), and after commit
  bumps a version number in the shared cache (Redis);
- every process compares its version with Redis at most once per `VERSION_CHECK_S` and reloads when it moved, so
  another web or Celery process learns of an admin's change within a second;
- what bypasses the signals (a `QuerySet.update()`, `bulk_create`, raw SQL, a restore) is caught by `MAX_AGE_S`,
  or at once when the code that did it calls `refdata_changed()`;
- Redis unreachable: the cache is kept at most `MAX_AGE_S` and the failure logged once per outage.

Everything handed out is shared between requests: callers read it and never modify it.
"""
import logging
import threading
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from agencies.models import Agency, CommandCentre, Region
from incidents.models import EscalationRule, IncidentCategory

logger = logging.getLogger(__name__)

VERSION_KEY = "incidents:refdata-version"
VERSION_CHECK_S = 1.0
MAX_AGE_S = 60.0


@dataclass(frozen=True)
class CentreInfo:
    centre: CommandCentre
    served: frozenset  # regency codes the centre serves
    served_have_boundaries: bool  # any of them has a boundary (a point outside all of them is then known to be outside)


@dataclass(frozen=True)
class AgencyInfo:
    agency: Agency  # its jurisdiction is asked of only through the prepared geometry below
    jurisdiction: object | None  # a GEOS PreparedGeometry, or None
    regions: frozenset  # codes of the regions the agency serves


@dataclass(frozen=True)
class RefData:
    categories: dict  # active categories by code
    rules: tuple  # every EscalationRule
    agencies: dict  # active agencies by pk, as AgencyInfo
    agencies_by_type: dict  # type → [AgencyInfo] in pk order
    centres: dict  # pk → CentreInfo
    centres_by_code: dict  # code → CentreInfo


_lock = threading.Lock()
_state = {"data": None, "loaded_at": 0.0, "version": None, "checked_at": 0.0, "redis_down": False}


def _load() -> RefData:
    categories = {c.code: c for c in IncidentCategory.objects.filter(is_active=True)}
    rules = tuple(EscalationRule.objects.all())
    agency_regions: dict[int, set] = {}
    for agency_id, region_id in Agency.regions.through.objects.values_list("agency_id", "region_id"):
        agency_regions.setdefault(agency_id, set()).add(region_id)
    agencies = {}
    for agency in Agency.objects.filter(is_active=True).order_by("pk"):
        jurisdiction = agency.jurisdiction.prepared if agency.jurisdiction is not None else None
        agencies[agency.pk] = AgencyInfo(agency=agency, jurisdiction=jurisdiction, regions=frozenset(agency_regions.get(agency.pk, ())))
    by_type: dict[str, list] = {}
    for info in agencies.values():
        by_type.setdefault(info.agency.type, []).append(info)
    centre_regions: dict[int, set] = {}
    for centre_id, region_id in CommandCentre.regions.through.objects.values_list("commandcentre_id", "region_id"):
        centre_regions.setdefault(centre_id, set()).add(region_id)
    with_boundary = set(
        Region.objects.filter(code__in={c for codes in centre_regions.values() for c in codes}, boundary__isnull=False).values_list("code", flat=True)
    )
    centres = {}
    for centre in CommandCentre.objects.defer("location"):
        served = frozenset(centre_regions.get(centre.pk, ()))
        centres[centre.pk] = CentreInfo(centre=centre, served=served, served_have_boundaries=bool(served & with_boundary))
    return RefData(
        categories=categories,
        rules=rules,
        agencies=agencies,
        agencies_by_type=by_type,
        centres=centres,
        centres_by_code={info.centre.code: info for info in centres.values()},
    )


def _shared_version():
    try:
        version = cache.get(VERSION_KEY)
    except Exception:  # noqa: BLE001 — the cache's own errors vary by backend; keep serving, bounded by MAX_AGE_S
        if not _state["redis_down"]:
            logger.warning("refdata: the shared version is unreadable; keeping this process's copy at most %s s", MAX_AGE_S, exc_info=True)
        _state["redis_down"] = True
        return _state["version"]
    _state["redis_down"] = False
    return version


def refdata() -> RefData:
    """The reference data, loaded at most once per change (see the module doc)."""
    now = time.monotonic()
    data = _state["data"]
    if data is not None and now - _state["loaded_at"] < MAX_AGE_S:
        if now - _state["checked_at"] < VERSION_CHECK_S:
            return data
        version = _shared_version()
        _state["checked_at"] = now
        if version == _state["version"]:
            return data
    with _lock:
        version = _shared_version()
        data = _load()
        _state.update(data=data, loaded_at=time.monotonic(), version=version, checked_at=time.monotonic())
        return data


def clear_local() -> None:
    """Forget this process's copy (the next read reloads)."""
    _state["data"] = None


def bump_shared_version() -> None:
    try:
        if not cache.add(VERSION_KEY, 1, timeout=None):
            cache.incr(VERSION_KEY)
    except Exception:  # noqa: BLE001 — other processes then catch up within MAX_AGE_S
        logger.warning("refdata: could not bump the shared version; other processes reload within %s s", MAX_AGE_S, exc_info=True)
    clear_local()


def refdata_changed(**_signal_kwargs) -> None:
    """Reference data changed: forget it here now and after commit, and tell the other processes after commit."""
    clear_local()
    conn = transaction.get_connection()
    # One bump per transaction however many rows it saves (the demo loader saves thousands of regions).
    if conn.in_atomic_block and any(entry[1] is bump_shared_version for entry in conn.run_on_commit):
        return
    transaction.on_commit(bump_shared_version)


# --- what the services read -------------------------------------------------------------------------------------

def active_category(code) -> IncidentCategory | None:
    return refdata().categories.get(code)


def centre_info(centre_id) -> CentreInfo | None:
    return refdata().centres.get(centre_id)


def centre_info_from_db(centre) -> CentreInfo:
    """A centre this process has not loaded yet (created elsewhere less than VERSION_CHECK_S ago): read it."""
    served = frozenset(centre.regions.values_list("code", flat=True))
    has_boundaries = Region.objects.filter(code__in=served, boundary__isnull=False).exists()
    return CentreInfo(centre=centre, served=served, served_have_boundaries=has_boundaries)


def centre_info_by_code(code) -> CentreInfo | None:
    return refdata().centres_by_code.get(code)


def active_agency(agency_id) -> Agency | None:
    info = refdata().agencies.get(agency_id)
    return info.agency if info else None


def agencies_of_types(types) -> list[AgencyInfo]:
    data = refdata()
    return [info for t in types for info in data.agencies_by_type.get(t, ())]


def escalation_rules() -> tuple:
    return refdata().rules


SIGNALLED_MODELS = (IncidentCategory, EscalationRule, Agency, CommandCentre, Region)
SIGNALLED_M2M = (Agency.regions.through, CommandCentre.regions.through, IncidentCategory.related.through)
