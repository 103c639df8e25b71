"""Text on the consoles' maps is text, never markup (issue 14): Leaflet reads a string tooltip or popup as HTML,
so an address typed from a caller's words, a unit's call sign or a category's name that holds
`<img src=x onerror=…>` must show literally and run nothing — on the call-taker's, the dispatcher's and the
supervisor board's maps. Served without the CSP (as `make run` does by default), so an unescaped value would
really run its handler: the test sees the markup's effect, not the policy's."""
import pytest
from django.contrib.gis.geos import Point

from incidents.services import incident_create, incident_route
from tests import factories as f
from tests.support import echo_browser_errors, session_context

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

ADDRESS = "<img src=x onerror=window.__xss=1>"
CALL_SIGN = "<img src=x onerror=window.__xss=2>"
DESCRIPTION = "<img src=x onerror=window.__xss=3>"


# Leaflet's own hook for every map a page makes (maps are module-private in the consoles): the test can then open
# every layer's tooltip and popup the way a hover or a click does, canvas-drawn markers included.
CATCH_MAPS = """
(() => {
  let leaflet;
  window.__maps = [];
  Object.defineProperty(window, "L", {
    configurable: true,
    get() { return leaflet; },
    set(value) {
      leaflet = value;
      // leaflet.js fills the object after assigning it: hook in once the script has run
      queueMicrotask(() => leaflet.Map.addInitHook(function () { window.__maps.push(this); }));
    },
  });
})();
"""

OPEN_ALL = """
() => {
  let opened = 0;
  for (const map of window.__maps) map.eachLayer((layer) => {
    if (layer.getTooltip && layer.getTooltip()) { layer.openTooltip(); opened += 1; }
    if (layer.getPopup && layer.getPopup()) { layer.openPopup(); opened += 1; }
  });
  return opened;
}
"""


def open_every_tooltip(page, at_least):
    """Every tooltip and popup the page's maps hold, opened; returns their texts."""
    page.wait_for_function("(n) => window.__maps && window.__maps.length > 0", arg=None)
    for _ in range(100):
        if page.evaluate(OPEN_ALL) >= at_least:
            break
        page.wait_for_timeout(100)
    return page.locator(".leaflet-tooltip, .leaflet-popup-content").all_text_contents()


def open_console(chromium, base, user, path, ready):
    context = session_context(chromium, base, user, viewport={"width": 1600, "height": 1000})
    context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    context.add_init_script(CATCH_MAPS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    echo_browser_errors(page)
    page.goto(base + path)
    page.wait_for_selector(ready, state="attached")
    return page


def assert_shown_literally_and_inert(page, texts, *expected):
    assert page.locator(".leaflet-pane img:not(.leaflet-tile):not(.leaflet-marker-icon)").count() == 0
    page.wait_for_timeout(500)  # an <img src=x> fails (and would run its onerror) only after its request
    assert page.evaluate("() => window.__xss") is None, "a handler from user text ran"
    joined = " ".join(texts)
    for text in expected:
        assert text in joined, (text, texts)


@pytest.mark.django_db(transaction=True)
def test_user_text_on_every_consoles_map_is_escaped(asgi_process_factory, chromium, centre, fire_category, damkar, call_taker):
    # given an incident whose address and description are markup, routed to Damkar, and a unit whose call sign is
    incident, _ = incident_create(actor=call_taker, category=fire_category.code, location=Point(113.9213, -2.2096, srid=4326),
                                  caller_number="081234567890", address=ADDRESS, description=DESCRIPTION)
    incident_route(incident_id=incident.pk, actor=call_taker, agency_ids=[damkar.pk])
    f.UnitFactory(agency=damkar, call_sign=CALL_SIGN, position=Point(113.93, -2.21, srid=4326))
    supervisor = f.supervisor(centre, username="spv_xss")
    dispatcher = f.dispatcher(damkar, username="disp_xss")
    base = asgi_process_factory().url

    # the call-taker's map of open incidents: the pin's tooltip names the address, as text
    page = open_console(chromium, base, call_taker, "/console/call-taker/", "html[data-ct-ready='1']")
    assert_shown_literally_and_inert(page, open_every_tooltip(page, 1), ADDRESS)
    page.context.close()

    # the dispatcher's map: the offered incident (reference · category · address) and the unit (call sign)
    page = open_console(chromium, base, dispatcher, "/console/dispatcher/", "#dp-map")
    assert_shown_literally_and_inert(page, open_every_tooltip(page, 2), ADDRESS, CALL_SIGN)
    page.context.close()

    # the supervisor's board: incident and unit markers
    page = open_console(chromium, base, supervisor, "/board/", "#board-map")
    assert_shown_literally_and_inert(page, open_every_tooltip(page, 2), ADDRESS, CALL_SIGN)
    page.context.close()
