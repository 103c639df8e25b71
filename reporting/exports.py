"""The report as files with the same numbers as the JSON: CSV (one long table), XLSX (one sheet per section),
PDF (rendered on the server by WeasyPrint, charts as inline SVG). Named by centre and period."""
from __future__ import annotations

import csv
import io

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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
    "caller_links": "Tautan penelepon",
    "repeat_numbers": "Nomor berulang",
    "eta_accuracy": "Perkiraan vs waktu tempuh",
    "eta_accuracy_by_agency": "Perkiraan tempuh per instansi",
    "cardiac_arrest": "Henti jantung",
    "cardiac_arrest_by_call_taker": "Henti jantung per petugas",
    "data_errors": "Kesalahan data",
}
ETA_FIELDS = ("n", "predicted_p50_s", "actual_p50_s", "error_p50_s", "abs_error_p90_s", "within_20_percent", "late_percent")
BASIS_LABELS = {"road": gettext_lazy("Rute jalan"), "straight_line": gettext_lazy("Garis lurus")}
INTERVAL_FIELDS = ("n", "p50_s", "p90_s", "p95_s", "mean_s")

# The same sections as an official reads them in the CSV, in the page's language.
SECTION_NAMES = {
    "calls": _l("Panggilan"), "calls_by_hour": _l("Panggilan per jam"), "calls_by_weekday": _l("Panggilan per hari"),
    "incidents": _l("Kejadian"), "incidents_by_category": _l("Kejadian per kategori"),
    "incidents_by_district": _l("Kejadian per kecamatan"), "incidents_by_agency": _l("Kejadian per instansi"),
    "intervals": _l("Interval"), "intervals_by_agency": _l("Interval per instansi"), "compliance": _l("Kepatuhan target"),
    "escalations": _l("Eskalasi"), "handoffs": _l("Pengalihan"), "volunteers": _l("Relawan"),
    "caller_links": _l("Tautan penelepon"),
    "repeat_numbers": _l("Nomor berulang"),
    "eta_accuracy": _l("Perkiraan vs waktu tempuh"), "eta_accuracy_by_agency": _l("Perkiraan tempuh per instansi"),
    "cardiac_arrest": _l("Henti jantung"), "cardiac_arrest_by_call_taker": _l("Henti jantung per petugas"),
    "data_errors": _l("Kesalahan data"),
}

# What an official reads as the column heads of the XLSX and as the measure of each CSV row (the JSON is the
# machine format: its keys never reach a file an official opens).
FIELD_LABELS = {
    "received": pgettext_lazy("call funnel", "Masuk"), "answered": _l("Dijawab"), "abandoned": _l("Tidak terjawab"),
    "genuine": _l("Darurat"), "info": _l("Informasi"), "ghost": _l("Panggilan kosong"), "prank": _l("Iseng"),
    "duplicate": _l("Duplikat"), "misdial": _l("Salah sambung"), "test": _l("Uji coba"),
    "total": _l("Total"), "count": _l("Jumlah"), "n": "n", "p50_s": _l("p50 (detik)"), "p90_s": _l("p90 (detik)"),
    "p95_s": _l("p95 (detik)"), "mean_s": _l("rata-rata (detik)"), "threshold_s": _l("Batas (detik)"),
    "goal_percent": _l("Sasaran %"), "met": _l("Memenuhi"), "percent": "%",
    "expired": _l("Konfirmasi kedaluwarsa"), "backup_offered": _l("Cadangan ditawarkan"),
    "target_breached": _l("Target terlampaui"), "second_stage": _l("Eskalasi tahap kedua"),
    "within": _l("Pengalihan dalam pusat"), "across": _l("Pengalihan antarpusat"), "unclassified": _l("Belum diklasifikasi"),
    "sent": _l("Tautan dikirim"), "opened": _l("Tautan dibuka"), "with_fix": _l("Tautan dengan lokasi"),
    "fixes": _l("Lokasi diterima"), "adopted": _l("Lokasi dipakai"), "text_calls": _l("Panggilan SMS"),
    "accuracy_compared": _l("Tautan dibandingkan"), "median_accuracy_before_m": _l("Akurasi sebelum tautan, median (m)"),
    "median_accuracy_link_m": _l("Akurasi lewat tautan, median (m)"), "median_accuracy_gained_m": _l("Akurasi bertambah, median (m)"),
    "predicted_p50_s": gettext_lazy("Perkiraan, median (detik)"), "actual_p50_s": gettext_lazy("Sebenarnya, median (detik)"),
    "error_p50_s": gettext_lazy("Selisih, median (detik)"), "abs_error_p90_s": gettext_lazy("Selisih mutlak, p90 (detik)"),
    "within_20_percent": gettext_lazy("Dalam ±20% (%)"), "late_percent": gettext_lazy("Lebih lambat (%)"),
    "negative": _l("Negatif"), "too_long": _l("Lebih dari setahun"),
    "undated_calls": _l("Panggilan bertanggal mustahil"), "undated_incidents": _l("Kejadian bertanggal mustahil"),
}
# A field whose name means something else in one section ("expired": an assignment nobody confirmed, or a call-out
# past its deadline).
SECTION_FIELD_LABELS = {
    "volunteers": {
        "callouts": _l("Panggilan relawan"), "filled": _l("Terpenuhi"), "expired": _l("Lewat batas"),
        "cancelled": _l("Dibatalkan"), "members_alerted": _l("Anggota dihubungi"), "members_accepted": _l("Anggota bersedia"),
        "members_declined": _l("Anggota tidak bisa"), "members_arrived": _l("Anggota tiba di lokasi"),
    },
}
CARDIAC_FIELD_LABELS = {
    "count": _l("Dugaan henti jantung"), "recognised_timed": _l("Pengenalan terukur"),
    "recognition_p50_s": _l("Dijawab → dikenali, p50 (detik)"), "recognition_p90_s": _l("Dijawab → dikenali, p90 (detik)"),
    "recognised_within_60_s": _l("Dikenali ≤ 60 detik (%)"), "first_compressions": _l("Kompresi pertama terukur"),
    "first_compression_p50_s": _l("Dijawab → kompresi pertama, p50 (detik)"),
    "first_compression_p90_s": _l("Dijawab → kompresi pertama, p90 (detik)"),
    "within_60_s": _l("Kompresi ≤ 60 detik (%)"), "within_120_s": _l("Kompresi ≤ 120 detik (%)"),
    "within_180_s": _l("Kompresi ≤ 180 detik (%)"), "volunteer_on_scene": _l("Relawan tiba di lokasi"),
    "volunteers_first_on_scene": _l("Relawan tiba lebih dulu dari ambulans"), "ems_on_scene": _l("Ambulans tiba (tercatat)"),
}
CARDIAC_FIELDS = tuple(CARDIAC_FIELD_LABELS)
SECTION_FIELD_LABELS["cardiac_arrest"] = SECTION_FIELD_LABELS["cardiac_arrest_by_call_taker"] = CARDIAC_FIELD_LABELS
VOLUNTEER_TIMES = {"time_to_accept": _l("Dihubungi → bersedia (detik)"), "time_to_arrive": _l("Panggilan relawan → tiba (detik)")}


def field_label(section: str, field: str) -> str:
    return str(SECTION_FIELD_LABELS.get(section, {}).get(field) or FIELD_LABELS.get(field, field))


def display(section: str, item: str, label: str) -> tuple[str, str]:
    """(code, name) of a row as an official reads it: the code only where it is the data's own identifier (a
    category or Kemendagri code, an agency id, an hour, a masked number) — never one of our keys such as an
    interval's or a target's, which are English words — and the name in the page's language."""
    if section == "intervals":
        return "", label
    if section == "intervals_by_agency":
        agency_id, _sep, interval = item.partition(":")
        return agency_id, f"{label} · {Interval(interval).label}"
    if section == "compliance":
        return "", label
    if section == "volunteers" and item in VOLUNTEER_TIMES:
        return "", str(VOLUNTEER_TIMES[item])
    if section == "data_errors":  # an interval's key (call_processing, …) is ours: its label names it
        return "", label
    if section == "eta_accuracy":  # the basis (road / straight_line) is our key: its label names it
        return "", label
    if section == "eta_accuracy_by_agency":
        return item.partition(":")[0], label
    return item, label


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
    for section in ("escalations", "handoffs", "volunteers", "caller_links"):
        for field, value in (report.get(section) or {}).items():  # a report stored before a section existed lacks it
            if not isinstance(value, (dict, list)):
                yield section, "", "", field, value
            elif isinstance(value, dict):
                for sub, v in value.items():
                    yield section, field, "", sub, v
    for row in report["repeat_numbers"]:
        for field in ("prank", "ghost", "count"):
            yield "repeat_numbers", row["number"], "", field, row[field]
    accuracy = report.get("eta_accuracy") or {}
    for basis, entry in accuracy.get("by_basis", {}).items():
        for field in ETA_FIELDS:
            yield "eta_accuracy", basis, str(BASIS_LABELS.get(basis, basis)), field, entry[field]
    for entry in accuracy.get("by_agency", []):
        for field in ETA_FIELDS:
            yield "eta_accuracy_by_agency", f"{entry['id']}:{entry['basis']}", f"{entry['name']} · {BASIS_LABELS.get(entry['basis'], entry['basis'])}", field, entry[field]
    cardiac = report.get("cardiac_arrest") or {}  # a report stored before issue 30 lacks it
    if cardiac:
        for field in CARDIAC_FIELDS:
            yield "cardiac_arrest", "", "", field, cardiac.get(field)
    for entry in cardiac.get("by_call_taker", []):
        for field in CARDIAC_FIELDS:
            yield "cardiac_arrest_by_call_taker", str(entry["id"] or ""), entry["name"], field, entry.get(field)
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
    """One long table an official opens in a spreadsheet: section, code, name, measure and value, every heading
    and name in the page's language (Bahasa Indonesia, or English)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Bagian"), _("Kode"), _("Nama"), _("Ukuran"), _("Nilai")])
    for section, item, label, field, value in rows(report):
        code, name = display(section, item, label)
        # every text cell through safe_row: names come from reference data anyone with the admin can type
        writer.writerow(safe_row([str(SECTION_NAMES[section]), code, name, field_label(section, field), "" if value is None else value]))
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
        sheet.append(safe_row([_("Kode"), _("Nama"), *(field_label(section, f) for f in table["fields"])]))
        for item, values in table["items"].items():
            # openpyxl stores a string starting with "=" as a formula: safe_row keeps every name a text cell
            sheet.append(safe_row([*display(section, item, values["label"]), *(values.get(f) for f in table["fields"])]))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


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
            _("Interval p90 (detik)"), [(v["label"], v["p90_s"]) for v in report["intervals"].values()], unit=" s"
        ),
        "compliance": charts.hbar_svg(
            _("Kepatuhan target (%)"), [(c["name"], c["percent"]) for c in report["compliance"]], unit="%", target=None
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
        "r": report, "charts": report_charts(report), "dispositions": DISPOSITION_LABELS, "basis_labels": BASIS_LABELS,
        "eta_rows": [
            (str(BASIS_LABELS.get(b, b)) if name is None else f"{name} · {BASIS_LABELS.get(b, b)}", e)
            for name, b, e in [(None, b, e) for b, e in (report.get("eta_accuracy") or {}).get("by_basis", {}).items()]
            + [(e["name"], e["basis"], e) for e in (report.get("eta_accuracy") or {}).get("by_agency", [])]
        ],
        "filters": filter_labels(report),
        "agency_intervals": [
            (a["name"], [(str(Interval(key).label), v) for key, v in a["intervals"].items()]) for a in report["intervals_by_agency"]
        ],
    }
    html = render_to_string("reporting/report_pdf.html", context)
    return HTML(string=html).write_pdf()
