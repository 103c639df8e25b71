"""Reading a report request: the period in the centres' zones and the optional filters, every refusal a 400 in
the one error shape (an out-of-scope centre or agency is 'unknown', exactly like one that does not exist)."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Region
from dispatch.errors import ValidationFailed, field_error
from incidents.models import IncidentCategory

from . import rollup
from .selectors import ReportQuery, centres_in_scope

MAX_DAYS = 366
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(params, name):
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    if not _DATE.match(raw):
        raise field_error(name, _("Tanggal harus berformat YYYY-MM-DD."), code="invalid_date")
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise field_error(name, _("Tanggal tidak ada di kalender."), code="invalid_date") from None
    if not rollup.FIRST_DAY <= day <= rollup.LAST_DAY:
        # the year 9999 overflowed the month arithmetic (issue 28: a 500); nothing is recorded outside these days
        raise field_error(
            name, _("Tanggal harus antara %(first)s dan %(last)s.") % {"first": rollup.FIRST_DAY.isoformat(), "last": rollup.LAST_DAY.isoformat()},
            code="out_of_range",
        )
    return day


def _int(params, name):
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    # ASCII digits only ("²".isdigit() is True and int() refuses it), and within a bigint
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise field_error(name, _("Harus berupa angka."), code="invalid")
    return int(raw)


def report_query_from_params(*, user, params) -> ReportQuery:
    centres = list(centres_in_scope(user=user))
    centre_id = _int(params, "centre")
    if centre_id is not None:
        centres = [c for c in centres if c.pk == centre_id]
        if not centres:
            raise field_error("centre", _("Pusat panggilan tidak dikenal."), code="unknown_centre")
    if not centres:
        raise field_error("centre", _("Tidak ada pusat panggilan dalam cakupan Anda."), code="unknown_centre")

    first, last = _date(params, "from"), _date(params, "to")
    today = timezone.now().astimezone(ZoneInfo(centres[0].timezone)).date()
    last = last or (today if first is None or first <= today else first)
    first = first or last.replace(day=1)
    if first > last:
        raise ValidationFailed(
            _("Tanggal awal harus sebelum atau sama dengan tanggal akhir."),
            code="invalid_range",
            fields={"from": [_("Tanggal awal setelah tanggal akhir.")]},
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed(
            _("Rentang laporan paling lama %(days)d hari.") % {"days": MAX_DAYS},
            code="range_too_long",
            fields={"to": [_("Rentang lebih dari %(days)d hari.") % {"days": MAX_DAYS}]},
        )

    category = None
    if code := (params.get("category") or "").strip():
        category = IncidentCategory.objects.filter(code=code).first()
        if category is None:
            raise field_error("category", _("Kategori tidak dikenal."), code="unknown_category")
    district = None
    if code := (params.get("district") or "").strip():
        district = Region.objects.filter(
            code=code, level=Region.Level.DISTRICT, parent__command_centres__in=[c.pk for c in centres]
        ).first()
        if district is None:
            raise field_error("district", _("Kecamatan tidak dikenal di wilayah pusat panggilan ini."), code="unknown_district")
    agency = None
    agency_id = _int(params, "agency")
    if agency_id is not None:
        agency = Agency.objects.filter(pk=agency_id, command_centre__in=[c.pk for c in centres]).first()
        if agency is None:
            raise field_error("agency", _("Instansi tidak dikenal."), code="unknown_agency")
    return ReportQuery(centres=tuple(centres), first=first, last=last, district=district, category=category, agency=agency)
