"""The CSV, XLSX and PDF carry the same numbers as the JSON: each file is parsed back and compared."""
import csv
import datetime as dt
import io
import re

from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from reporting.exports import FIELD_LABELS
from reporting.rollup import rollup_refresh

URL = "/api/v1/reports/coordination/"
PARAMS = {"from": "2026-11-01", "to": "2026-11-05"}


def fetch(user, **extra):
    client = APIClient()
    client.force_authenticate(user)
    report = client.get(URL, {**PARAMS}).json()
    response = client.get(URL, {**PARAMS, **extra})
    assert response.status_code == 200, response.content[:500]
    return report, response


def test_csv_holds_the_json_numbers(report_world):
    rollup_refresh()
    report, response = fetch(report_world.official, format="csv")
    assert response["Content-Disposition"] == 'attachment; filename="laporan-112-pky-2026-11-01_2026-11-05.csv"'
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    # issue 23: an official opens it on an Indonesian page — Indonesian headings, sections, names and measures,
    # never our keys (calls_by_hour, received, p90_s, processing, nena_answer_15s …)
    assert text.splitlines()[0] == "Bagian,Kode,Nama,Ukuran,Nilai"
    for key in ("calls_by_hour", "incidents_by_category", "received", "abandoned", "p90_s", "mean_s", "processing",
                "nena_answer_15s", "backup_offered", "members_alerted", "time_to_accept"):
        assert not re.search(rf"(^|,){key}(,|$)", text, re.M), key
    got = {(r["Bagian"], r["Kode"], r["Nama"], r["Ukuran"]): r["Nilai"] for r in rows}

    def val(v):
        return "" if v is None else str(v)

    for key, label in (("received", "Masuk"), ("answered", "Dijawab"), ("abandoned", "Tidak terjawab"), ("genuine", "Darurat"),
                       ("info", "Informasi"), ("ghost", "Panggilan kosong"), ("prank", "Iseng"), ("duplicate", "Duplikat"),
                       ("misdial", "Salah sambung"), ("test", "Uji coba")):
        assert got[("Panggilan", "", "", label)] == str(report["calls"][key])
    for hour in report["calls"]["by_hour"]:
        assert got[("Panggilan per jam", str(hour["hour"]), f"{hour['hour']:02d}.00", "Dijawab")] == str(hour["answered"])
    assert got[("Kejadian", "", "", "Total")] == str(report["incidents"]["total"])
    for row in report["incidents"]["by_category"]:
        assert got[("Kejadian per kategori", row["code"], row["name"], "Jumlah")] == str(row["count"])
    for v in report["intervals"].values():
        for field, label in (("n", "n"), ("p50_s", "p50 (detik)"), ("p90_s", "p90 (detik)"), ("mean_s", "rata-rata (detik)")):
            assert got[("Interval", "", v["label"], label)] == val(v[field]), (v["label"], field)
    for c in report["compliance"]:
        for field, label in (("threshold_s", "Batas (detik)"), ("met", "Memenuhi"), ("total", "Total"), ("percent", "%")):
            assert got[("Kepatuhan target", "", c["name"], label)] == val(c[field])
    assert got[("Eskalasi", "", "", "Konfirmasi kedaluwarsa")] == str(report["escalations"]["expired"])
    assert got[("Relawan", "", "", "Lewat batas")] == str(report["volunteers"]["expired"])
    assert got[("Pengalihan", "", "", "Pengalihan antarpusat")] == str(report["handoffs"]["across"])
    for n in report["repeat_numbers"]:
        assert got[("Nomor berulang", n["number"], "", "Jumlah")] == str(n["count"])
    assert len(report["repeat_numbers"]) >= 1


def test_csv_follows_the_page_language(report_world):
    rollup_refresh()
    client = APIClient()
    client.force_authenticate(report_world.official)
    response = client.get(URL, {**PARAMS, "format": "csv", "lang": "en"}, HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "Section,Code,Name,Measure,Value"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {"Calls", "Calls per hour", "Intervals"} <= {r["Section"] for r in rows}
    assert any(r["Measure"] == "Received" for r in rows) and not any(r["Measure"] == "Masuk" for r in rows)


def test_xlsx_has_one_sheet_per_section_with_the_json_numbers(report_world):
    rollup_refresh()
    report, response = fetch(report_world.supervisor, format="xlsx")
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Laporan", "Panggilan", "Panggilan per jam", "Panggilan per hari", "Kejadian", "Kejadian per kategori",
                               "Kejadian per kecamatan", "Kejadian per instansi", "Interval", "Interval per instansi",
                               "Kepatuhan target", "Eskalasi", "Pengalihan", "Relawan", "Tautan penelepon", "Nomor berulang",
                               "Perkiraan vs waktu tempuh", "Perkiraan tempuh per instansi", "Henti jantung",
                               "Henti jantung per petugas", "Kesalahan data"]

    keys = {str(label): key for key, label in FIELD_LABELS.items()}

    def sheet(title):
        rows = list(book[title].iter_rows(values_only=True))
        # the column heads are what an official reads, never field keys
        assert rows[0][:2] == ("Kode", "Nama") and not any(h and "_" in h for h in rows[0]), rows[0]
        header = [keys.get(h, h) for h in rows[0]]
        return {row[0]: dict(zip(header, row)) for row in rows[1:]}

    calls = sheet("Panggilan")[""] if "" in sheet("Panggilan") else sheet("Panggilan")[None]
    for key in ("received", "answered", "abandoned", "ghost", "prank"):
        assert calls[key] == report["calls"][key]
    def named(title):
        rows = list(book[title].iter_rows(values_only=True))
        header = [keys.get(h, h) for h in rows[0]]
        # our keys (processing, nena_answer_15s …) are no codes an official reads: the name says it
        assert all(row[0] in (None, "") for row in rows[1:]), rows
        return {row[1]: dict(zip(header, row)) for row in rows[1:]}

    intervals = named("Interval")
    for v in report["intervals"].values():
        got = intervals[v["label"]]
        assert (got["n"], got["p50_s"], got["p90_s"]) == (v["n"], v["p50_s"], v["p90_s"])
    compliance = named("Kepatuhan target")
    for c in report["compliance"]:
        assert (compliance[c["name"]]["met"], compliance[c["name"]]["total"], compliance[c["name"]]["percent"]) == (c["met"], c["total"], c["percent"])
    by_agency = sheet("Kejadian per instansi")
    assert {int(k): v["count"] for k, v in by_agency.items()} == {r["id"]: r["count"] for r in report["incidents"]["by_agency"]}
    numbers = sheet("Nomor berulang")
    assert {k: v["count"] for k, v in numbers.items()} == {n["number"]: n["count"] for n in report["repeat_numbers"]}


def test_pdf_is_rendered_on_the_server_with_charts_and_the_json_numbers(report_world):
    rollup_refresh()
    report, response = fetch(report_world.official, format="pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="laporan-112-pky-2026-11-01_2026-11-05.pdf"'
    pdf = PdfReader(io.BytesIO(response.content))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pdf.pages))
    assert "Laporan koordinasi 112" in text and "112 Kota Palangka Raya" in text
    c = report["calls"]
    # the funnel table row, in order
    row = " ".join(str(c[k]) for k in ("received", "answered", "abandoned", "genuine", "info", "ghost", "prank", "duplicate", "misdial", "test"))
    assert row in text
    for v in report["intervals"].values():
        if v["n"]:
            assert f"{v['label']} {v['n']} {v['p50_s']} {v['p90_s']} {v['p95_s']}" in text, v["label"]
    for comp in report["compliance"]:
        assert f"{comp['met']} {comp['total']}" in text
    for n in report["repeat_numbers"]:
        assert f"{n['number']} {n['prank']} {n['ghost']} {n['count']}" in text
    # the charts are vector drawings with their own titles (SVG rendered by WeasyPrint)
    assert "Corong panggilan" in text and "Panggilan per jam" in text and "Kepatuhan target (%)" in text
    assert f"Masuk {c['received']}" in text  # the funnel chart's first bar and its value label


def test_exports_name_filters_and_agency_intervals_as_people_read_them(report_world):
    rollup_refresh()
    medic, district = report_world.medic, report_world.districts[0]
    _report, response = fetch(report_world.official, format="pdf", category=medic.code, district=district.code)
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages))
    assert f"Kategori: {medic.name_id}" in text and f"Kecamatan: {district.name}" in text
    assert "category=" not in text and "district=" not in text
    # per-agency intervals carry their names, never their keys
    assert "Diteruskan → diterima instansi" in text
    assert not re.search(r"\b(acceptance|turnout|travel|response)\b", text)
    _report, response = fetch(report_world.official, format="xlsx", category=medic.code)
    info = list(load_workbook(io.BytesIO(response.content), read_only=True)["Laporan"].iter_rows(values_only=True))
    assert ("Filter", f"Kategori: {medic.name_id}") in [row[:2] for row in info]


def test_the_english_export_says_received_not_log_in(report_world, settings):
    from django.utils import translation

    rollup_refresh()
    from reporting.exports import report_charts

    report, _response = fetch(report_world.official, format="csv")
    with translation.override("en"):
        svg = report_charts(report)["funnel"]
    assert "Received" in svg and "Log in" not in svg
