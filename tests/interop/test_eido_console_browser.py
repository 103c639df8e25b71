"""An incident that arrived with an address only (EIDO without coordinates) asks the call-taker for a pin on the
console, and the mark goes, live, once someone places it (issue 14)."""
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
    f.CategoryFactory(code="lainnya", name_id="Lainnya", name_en="Other", responsible_agency_types=[], required_capabilities=[])
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
