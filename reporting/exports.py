"""The report as files with the same numbers as the JSON: CSV (one long table), XLSX (one sheet per section),
PDF (rendered on the server by WeasyPrint, charts as inline SVG). Named by centre and period."""
from __future__ import annotations

import csv
import io

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext
from django.utils.translation import pgettext_lazy

from . import charts
from .models import Interval
from .spreadsheet import safe_row

# section key → sheet title (Bahasa Indonesia, ≤ 31 characters for Excel)
SECTIONS = {
    "calls": "Panggilan",
    "calls_by_hour": "Panggilan per jam",
    "calls_by_weekday": "Panggilan per hari",
    "incidents": "Kejadian",
    "incidents_by_category": "Kejadian per kategori",
    "incidents_by_district": "Kejadian per kecamatan",
    "incidents_by_agency": "Kejadian per instansi",
    "intervals": "Interval",
    "intervals_by_agency": "Interval per instansi",
    "compliance": "Kepatuhan target",
    "escalations": "Eskalasi",
    "handoffs": "Pengalihan",
    "volunteers": "Relawan",
    "repeat_numbers": "Nomor berulang",
    "data_errors": "Kesalahan data",
}
INTERVAL_FIELDS = ("n", "p50_s", "p90_s", "p95_s", "mean_s")

# What an official reads as the XLSX column heads; the CSV keeps the field keys (it is the machine format:
# integrators parse `section,item,field`), with the human label beside them.
FIELD_LABELS = {
    "received": pgettext_lazy("call funnel", "Masuk"), "answered": _l("Dijawab"), "abandoned": _l("Tidak terjawab"),
    "genuine": _l("Darurat"), "info": _l("Informasi"), "ghost": _l("Panggilan kosong"), "prank": _l("Iseng"),
    "duplicate": _l("Duplikat"), "misdial": _l("Salah sambung"), "test": _l("Uji coba"),
    "total": _l("Total"), "count": _l("Jumlah"), "n": "n", "p50_s": _l("p50 (detik)"), "p90_s": _l("p90 (detik)"),
    "p95_s": _l("p95 (detik)"), "mean_s": _l("rata-rata (detik)"), "threshold_s": _l("Batas (detik)"),
    "goal_percent": _l("Sasaran %"), "met": _l("Memenuhi"), "percent": "%",
    "expired": _l("Konfirmasi kedaluwarsa"), "backup_offered": _l("Cadangan ditawarkan"),
    "target_breached": _l("Target terlampaui"), "second_stage": _l("Eskalasi tahap kedua"),
    "within": _l("Pengalihan dalam pusat"), "across": _l("Pengalihan antarpusat"),
    "negative": _l("Negatif"), "too_long": _l("Lebih dari setahun"),
    "undated_calls": _l("Panggilan bertanggal mustahil"), "undated_incidents": _l("Kejadian bertanggal mustahil"),
}


def rows(report: dict):
    """(section, item, label, field, value) for every number of the report."""
    calls = report["calls"]
    for field, value in calls.items():
        if not isinstance(value, list):
            yield "calls", "", "", field, value
    for row in calls["by_hour"]:
        for field in ("received", "answered", "abandoned"):
            yield "calls_by_hour", str(row["hour"]), f"{row['hour']:02d}.00", field, row[field]
    for row in calls["by_weekday"]:
        for field in ("received", "answered", "abandoned"):
            yield "calls_by_weekday", str(row["weekday"]), row["name"], field, row[field]
    yield "incidents", "", "", "total", report["incidents"]["total"]
    for key, id_field in (("by_category", "code"), ("by_district", "code"), ("by_agency", "id")):
        for row in report["incidents"][key]:
            yield f"incidents_{key}", str(row[id_field] or ""), row["name"], "count", row["count"]
    for name, values in report["intervals"].items():
        for field in INTERVAL_FIELDS:
            yield "intervals", name, values["label"], field, values[field]
    for agency in report["intervals_by_agency"]:
        for name, values in agency["intervals"].items():
            for field in INTERVAL_FIELDS:
                yield "intervals_by_agency", f"{agency['id']}:{name}", agency["name"], field, values[field]
    for row in report["compliance"]:
        for field in ("threshold_s", "goal_percent", "met", "total", "percent"):
            yield "compliance", row["target"], row["name"], field, row[field]
    for section in ("escalations", "handoffs", "volunteers"):
        for field, value in report[section].items():
            if not isinstance(value, (dict, list)):
                yield section, "", "", field, value
            elif isinstance(value, dict):
                for sub, v in value.items():
                    yield section, field, "", sub, v
    for row in report["repeat_numbers"]:
        for field in ("prank", "ghost", "count"):
            yield "repeat_numbers", row["number"], "", field, row[field]
    # what the numbers leave out (issue 28): bad intervals by interval, rows with impossible dates
    errors = report.get("data_errors") or {}
    for row in errors.get("intervals", []):
        for field in ("negative", "too_long"):
            yield "data_errors", row["interval"], row["label"], field, row[field]
    for field in ("undated_calls", "undated_incidents"):
        yield "data_errors", "", "", field, errors.get(field, 0)


def filename(report: dict, ext: str) -> str:
    centres = report["period"]["centres"]
    who = centres[0]["code"] if len(centres) == 1 else "-".join(c["code"] for c in centres)[:40]
    return f"laporan-112-{who}-{report['period']['from']}_{report['period']['to']}.{ext}"


def to_csv(report: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "item", "label", "field", "value"])
    for section, item, label, field, value in rows(report):
        # every text cell through safe_row: names come from reference data anyone with the admin can type
        writer.writerow(safe_row([section, item, label, field, "" if value is None else value]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens it as UTF-8


def to_xlsx(report: dict) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    info = book.create_sheet("Laporan")
    period = report["period"]
    info.append([_("Laporan koordinasi 112")])
    info.append(safe_row([_("Pusat panggilan"), ", ".join(c["name"] for c in period["centres"])]))
    info.append([_("Periode"), period["from"], period["to"]])
    info.append(safe_row([_("Filter"), *filter_labels(report)]))
    by_section: dict[str, dict] = {}
    for section, item, label, field, value in rows(report):
        table = by_section.setdefault(section, {"fields": [], "items": {}})
        if field not in table["fields"]:
            table["fields"].append(field)
        table["items"].setdefault(item, {"label": label})[field] = value
    for section, title in SECTIONS.items():
        sheet = book.create_sheet(title)
        table = by_section.get(section, {"fields": [], "items": {}})
        sheet.append(safe_row([_("Kode"), _("Nama"), *(str(FIELD_LABELS.get(f, f)) for f in table["fields"])]))
        for item, values in table["items"].items():
            # openpyxl stores a string starting with "=" as a formula: safe_row keeps every name a text cell
            sheet.append(safe_row([item, values["label"], *(values.get(f) for f in table["fields"])]))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _short(text: str, size: int = 34) -> str:
    text = str(text)
    return text if len(text) <= size else text[: size - 1] + "…"


def report_charts(report: dict) -> dict:
    calls = report["calls"]
    received = pgettext("call funnel", "Masuk")
    funnel = [(received, calls["received"]), (_("Dijawab"), calls["answered"]), (_("Tidak terjawab"), calls["abandoned"])]
    funnel += [(label, calls[key]) for key, label in DISPOSITION_LABELS.items()]
    hours = [f"{h:02d}" for h in range(24)]
    return {
        "funnel": charts.hbar_svg(_("Corong panggilan"), funnel),
        "by_hour": charts.columns_svg(
            _("Panggilan per jam"), hours,
            [(received, [r["received"] for r in calls["by_hour"]]), (_("Dijawab"), [r["answered"] for r in calls["by_hour"]])],
        ),
        "intervals": charts.hbar_svg(
            _("Interval p90 (detik)"), [(_short(v["label"]), v["p90_s"]) for v in report["intervals"].values()], unit=" s"
        ),
        "compliance": charts.hbar_svg(
            _("Kepatuhan target (%)"), [(_short(c["name"]), c["percent"]) for c in report["compliance"]], unit="%", target=None
        ),
    }


DISPOSITION_LABELS = {
    "genuine": _l("Darurat"), "info": _l("Informasi"), "ghost": _l("Panggilan kosong"), "prank": _l("Iseng"),
    "duplicate": _l("Duplikat"), "misdial": _l("Salah sambung"), "test": _l("Uji coba"),
}


def filter_labels(report: dict) -> list[str]:
    """The report's filters as an official reads them ("Kategori: Kebakaran"), not as query keys."""
    from agencies.models import Agency
    from agencies.models import Region
    from incidents.models import IncidentCategory

    f, out = report["filters"], []
    if f.get("category"):
        cat = IncidentCategory.objects.filter(code=f["category"]).first()
        out.append(f"{_('Kategori')}: {cat.name_id if cat else f['category']}")
    if f.get("district"):
        region = Region.objects.filter(code=f["district"]).first()
        out.append(f"{_('Kecamatan')}: {region.name if region else f['district']}")
    if f.get("agency"):
        agency = Agency.objects.filter(pk=f["agency"]).first()
        out.append(f"{_('Instansi')}: {agency.name if agency else f['agency']}")
    return out


def to_pdf(report: dict) -> bytes:
    from weasyprint import HTML

    context = {
        "r": report, "charts": report_charts(report), "dispositions": DISPOSITION_LABELS,
        "filters": filter_labels(report),
        "agency_intervals": [
            (a["name"], [(str(Interval(key).label), v) for key, v in a["intervals"].items()]) for a in report["intervals_by_agency"]
        ],
    }
    html = render_to_string("reporting/report_pdf.html", context)
    return HTML(string=html).write_pdf()
