"""The report page in a real browser: it loads the report for this month in the centre's zone, draws the
charts and tables; changing a filter redraws both with the filtered numbers."""
import json
import os

import pytest

from reporting.rollup import rollup_refresh
from tests.support import session_context

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]
SHOTS = os.environ.get("REPORT_SHOTS")  # a folder: also save screenshots (desktop and phone)


def rows(page, table):
    return page.eval_on_selector_all(f"#{table} tbody tr", "trs => trs.map(tr => [...tr.children].map(td => td.textContent.trim()))")


def set_period(page, first, last):
    loaded = page.get_attribute("#rp", "data-loaded")
    page.fill("#f-from", first)
    page.fill("#f-to", last)
    page.dispatch_event("#f-to", "change")
    page.wait_for_function(f"document.querySelector('#rp').dataset.loaded !== '{loaded}'", timeout=15000)
    page.wait_for_function(f"document.getElementById('rp-status').textContent.includes('{first}')", timeout=15000)


def test_filter_change_updates_charts_and_tables(report_world, transactional_db, asgi_process, chromium):
    w = report_world
    rollup_refresh()
    context = session_context(chromium, asgi_process.url, w.official, viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(asgi_process.url + "/laporan/")
    page.wait_for_selector("#rp[data-loaded]", timeout=15000)
    # an official of one centre sees that centre once (issue 23: it was listed twice, once as "all")
    assert page.eval_on_selector_all("#f-centre option", "os => os.map(o => o.textContent)") == ["112 Kota Palangka Raya"]
    # the page opens on this month in the centre's zone; the official picks November 2026 (the fixture's month)
    today_wib = page.input_value("#f-to")
    assert page.input_value("#f-from") == today_wib[:8] + "01"
    set_period(page, "2026-11-01", "2026-11-30")

    # this month (November 2026 in WIB) holds the fixture: both categories, Indonesian labels, no raw codes
    categories = dict((name, count) for name, count in rows(page, "t-category"))
    assert set(categories) == {"Kebakaran", "Medis"}
    assert "Kepatuhan terhadap target (%)" in page.text_content(".rp-charts")
    funnel = json.loads(page.get_attribute("#c-funnel", "data-signature"))
    intervals_before = page.get_attribute("#c-intervals", "data-signature")
    api = context.request.get(asgi_process.url + "/api/v1/reports/coordination/?from=2026-11-01&to=2026-11-30").json()
    assert funnel[0][:3] == [api["calls"]["received"], api["calls"]["answered"], api["calls"]["abandoned"]]
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/report-desktop.png", full_page=True)

    # when the official picks one category, the charts and tables show only that category's incidents
    loaded = page.get_attribute("#rp", "data-loaded")
    page.select_option("#f-category", "medis")
    page.wait_for_function(f"document.querySelector('#rp').dataset.loaded !== '{loaded}'", timeout=15000)
    assert [r[0] for r in rows(page, "t-category")] == ["Medis"]
    assert rows(page, "t-category")[0][1] == str(categories["Medis"])
    assert page.get_attribute("#c-intervals", "data-signature") != intervals_before
    filtered = context.request.get(asgi_process.url + "/api/v1/reports/coordination/?from=2026-11-01&to=2026-11-30&category=medis").json()
    expected_p90 = filtered["intervals"]["processing"]["p90_s"]
    chart_p90 = json.loads(page.get_attribute("#c-intervals", "data-signature"))[1]
    assert chart_p90[list(filtered["intervals"]).index("processing")] == expected_p90
    assert "category=medis" in page.get_attribute("#x-pdf", "href")

    # a period with nothing in it says so instead of showing stale numbers
    set_period(page, "2026-06-01", "2026-06-30")
    assert "Tidak ada data" in page.text_content("#t-category")
    assert json.loads(page.get_attribute("#c-funnel", "data-signature"))[0][0] == 0

    if SHOTS:
        page.select_option("#f-category", "")
        set_period(page, "2026-11-01", "2026-11-30")
        phone = context.new_page()
        phone.set_viewport_size({"width": 390, "height": 844})
        phone.goto(asgi_process.url + "/laporan/")
        phone.wait_for_selector("#rp[data-loaded]", timeout=15000)
        phone.screenshot(path=f"{SHOTS}/report-phone.png", full_page=True)
    assert not errors, errors
    context.close()
