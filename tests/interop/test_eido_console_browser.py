"""An incident that arrived with an address only (EIDO without coordinates) asks the call-taker for a pin on the
console, and the mark goes, live, once someone places it (issue 14). One that arrived without an incident type
is flagged "Perlu diklasifikasi" until the call-taker sets its category in the routing panel, which then proposes
the responsible agency and routes as usual (issue 23)."""
import json

import pytest
from django.contrib.gis.geos import Point

from incidents.interop.validate import SCHEMAS
from incidents.models import Incident
from incidents.services import incident_update
from incidents.services.interop import incident_import_eido
from tests import factories as f
from tests.support import login, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_an_address_only_import_shows_location_to_confirm_until_a_pin_is_placed(asgi_process, chromium, centre, call_taker):
    sample = json.loads((SCHEMAS / "eido" / "sample-call-transfer.json").read_text())
    incident, _created = incident_import_eido(document=sample, actor=call_taker)
    assert incident.location_source == Incident.LOCATION_TO_CONFIRM
    try:
        _context, page = login(chromium, asgi_process.url, call_taker.username)
        page.goto("/console/call-taker/")
        wait_live(page)
        badge = f'#open-incidents li.inc[data-id="{incident.pk}"] .to-confirm'
        page.wait_for_selector(badge, state="visible", timeout=10000)
        assert "Lokasi perlu dikonfirmasi" in page.text_content(badge)
        # when a colleague places the pin, the mark goes without a reload
        incident_update(incident_id=incident.pk, actor=call_taker, location=Point(113.92, -2.21, srid=4326))
        page.wait_for_selector(badge, state="hidden", timeout=10000)
    finally:
        for context in chromium.contexts:
            context.close()


def test_an_import_without_incident_type_is_flagged_until_the_call_taker_classifies_it(asgi_process, chromium, centre, call_taker,
                                                                                       fire_category, damkar):
    sample = json.loads((SCHEMAS / "eido" / "sample-call-transfer.json").read_text())
    incident, _created = incident_import_eido(document=sample, actor=call_taker)
    assert incident.is_unclassified
    try:
        _context, page = login(chromium, asgi_process.url, call_taker.username, viewport={"width": 1600, "height": 1000})
        page.goto("/console/call-taker/")
        wait_live(page)
        row = f'#open-incidents li.inc[data-id="{incident.pk}"]'
        flag = row + " .cat.unclassified"
        page.wait_for_selector(flag, state="visible", timeout=10000)
        assert page.text_content(flag) == "Perlu diklasifikasi"
        # the row opens the routing panel with the category asked first (focused), no agency proposed yet
        page.click(row)
        page.wait_for_selector("#routing:not([hidden]) #classify-category", timeout=10000)
        assert page.evaluate("document.activeElement.id") == "classify-category"
        assert page.eval_on_selector_all("#routing-list li.agency.checked", "ls => ls.length") == 0
        # Enter with nothing chosen: our message, nothing routed
        page.keyboard.press("Enter")
        assert page.text_content("#classify-error") == "Pilih kategori kejadian."
        page.select_option("#classify-category", fire_category.code)
        page.focus("#classify-category")
        page.keyboard.press("Enter")
        # the flag goes, the box goes, and the category's agency is proposed (checked)
        page.wait_for_selector(flag, state="detached", timeout=10000)
        page.wait_for_selector("#classify-category", state="detached", timeout=10000)
        page.wait_for_selector(f'#routing-list li.agency.checked[data-id="{damkar.pk}"]', timeout=10000)
        assert page.text_content(row + " .cat") == "Kebakaran"
        # and Enter routes it as usual
        page.focus("#routing")
        page.keyboard.press("Enter")
        page.wait_for_selector(row + '[data-status="routed"]', timeout=10000)
    finally:
        for context in chromium.contexts:
            context.close()
    incident.refresh_from_db()
    assert not incident.is_unclassified and incident.status == Incident.Status.ROUTED
    assert list(incident.assignments.values_list("agency_id", flat=True)) == [damkar.pk]
