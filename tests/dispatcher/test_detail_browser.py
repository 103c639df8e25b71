"""The dispatcher decides with the facts in front of them (issue 16): from an offer, by keyboard, the incident
panel shows the description, the answers under their questions, why the priority is what it is and the caller;
categories and capabilities are names, never codes; distances are written the Indonesian way; empty forms get
the page's own messages beside the fields; a confirmation does not move the lists; a fire board has no
patient-transport columns."""
import re

import pytest
from django.contrib.gis.geos import Point

from incidents.services import incident_create, incident_route
from tests import factories as f
from tests.support import login, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

DESCRIPTION = "Rumah kayu terbakar di gang 3, asap tebal"


def test_dispatcher_sees_the_incident_and_names_not_codes(asgi_process, chromium, centre, fire_category, damkar, call_taker, damkar_dispatcher):
    f.AgencyFactory(command_centre=f.samarinda_centre(), type="fire", short_name="Damkar SMD")
    f.UnitFactory(agency=damkar, call_sign="PKY-DMK-09", position=Point(113.925, -2.212, srid=4326))
    incident, _ = incident_create(
        actor=call_taker, category=fire_category.code, location=Point(113.9213, -2.2096, srid=4326), address="Jl. Tjilik Riwut km 2",
        description=DESCRIPTION, caller_number="081234567890", answers={"people_trapped": True, "building_type": "Rumah"},
    )
    incident_route(incident_id=incident.pk, actor=call_taker)
    context, page = login(chromium, asgi_process.url, damkar_dispatcher.username, viewport={"width": 1600, "height": 1000})
    try:
        page.goto("/console/dispatcher/")
        wait_live(page)
        offer = f'#offered li.offer[data-incident="{incident.pk}"]'
        page.wait_for_selector(offer, timeout=10000)
        # the category's name, not its code
        assert page.text_content(offer + " .cat") == "Kebakaran"

        # keyboard: focus the offer, Enter opens the panel with what the call-taker learnt
        page.focus(offer)
        page.keyboard.press("Enter")
        page.wait_for_selector("#detail-dialog[open] #detail-body .description", timeout=10000)
        body = page.inner_text("#detail-body")
        assert DESCRIPTION in body
        assert "Ada orang terjebak?" in body and "Ya" in body and "Rumah" in body
        assert "081234567890" in body
        why = page.inner_text("#detail-body .why")
        assert "Ada orang terjebak?" in why  # the answer that raised the priority
        # the priority once ("P1 Kritis …", never "P1 P1 Kritis …"), the coordinates with decimal points, whatever
        # the language (issue 23: "-2,15119, 113,97394" read as four numbers)
        prio = page.inner_text("#detail-body .detail-prio")
        assert prio.startswith("P1 Kritis") and prio.count("P1") == 1, prio
        assert page.inner_text("#detail-body .coords").startswith("-2.20960, 113.92130 ·")
        page.keyboard.press("Escape")
        page.wait_for_selector("#detail-dialog[open]", state="detached")

        # decline with no reason: our message beside the field, no browser bubble
        page.click(offer + ' button[data-action="decline"]')
        page.click('#decline-form button[type="submit"]')
        assert page.text_content('#decline-form .field-error[data-for="reason"]') == "Alasan penolakan wajib diisi."
        assert page.get_attribute("#decline-form", "novalidate") is not None
        page.click("#decline-form [data-close]")

        # accept: the confirmation floats; the lists do not move
        top_before = page.eval_on_selector("#dp", "n => n.getBoundingClientRect().top")
        page.click(offer + ' button[data-action="accept"]')
        page.wait_for_selector("#dp-flash:not([hidden])", timeout=10000)
        assert page.eval_on_selector("#dp", "n => n.getBoundingClientRect().top") == top_before
        card = f'#accepted li.incident[data-incident="{incident.pk}"]'
        page.wait_for_selector(card, timeout=10000)

        # the handled incident: D opens the same panel
        page.focus(card)
        page.keyboard.press("d")
        page.wait_for_selector("#detail-dialog[open] #detail-body .description", timeout=10000)
        page.keyboard.press("Escape")

        # dispatch dialog: capability names and Indonesian decimals
        page.click(card + ' button[data-action="dispatch"]')
        page.wait_for_selector("#recommend-rows input[name=unit]", timeout=10000)
        caps = page.text_content("#dispatch-caps")
        assert "pemadaman api" in caps and "fire_suppression" not in caps
        distance = page.text_content("#recommend-rows tr td:nth-child(4)")
        assert re.fullmatch(r"\d+,\d km", distance), distance
        page.click("#dispatch-form [data-close]")

        # handoff: own messages for both fields; the list is searchable and grouped by centre
        page.click(card + ' button[data-action="handoff"]')
        page.click('#handoff-form button[type="submit"]')
        assert page.text_content('#handoff-form .field-error[data-for="to_agency"]') == "Pilih instansi tujuan."
        assert page.text_content('#handoff-form .field-error[data-for="reason"]') == "Alasan pengalihan wajib diisi."
        page.fill("#handoff-search", "smd")
        groups = page.eval_on_selector_all("#handoff-agency optgroup", "gs => gs.map(g => g.label)")
        options = page.eval_on_selector_all("#handoff-agency option", "os => os.map(o => o.textContent)")
        assert len(groups) == 1 and options and all("SMD" in o for o in options)
        page.click("#handoff-form [data-close]")

        # a fire board: no patient-transport or hospital column
        statuses = page.eval_on_selector_all("#unit-board .unit-col", "cs => cs.map(c => c.dataset.status)")
        assert "available" in statuses and "transporting" not in statuses and "at_hospital" not in statuses
    finally:
        context.close()
