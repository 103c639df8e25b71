"""Issue 23 item 3 on the board, in real headless Chromium: alerts read as one line per incident, worst first
(priority, then the longest waiting), however many alerts each incident raised; under a surge the worst lines are
drawn and the rest are a button away, the heading counting every line."""
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from incidents.models import Incident, SupervisorAlert
from incidents.services import incident_create
from tests import factories as f
from tests.support import echo_browser_errors, session_context, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

STEP = 150  # static/js/board/render.js: ALERT_LINES_STEP


def test_one_line_per_incident_worst_first_and_the_rest_a_button_away(asgi_process, chromium, centre, fire_category, damkar,
                                                                        call_taker):
    supervisor = f.supervisor(centre, username="spv_pky")
    now = timezone.now()
    incidents = []
    for i in range(STEP + 10):
        incident, _ = incident_create(actor=call_taker, category="kebakaran", location=Point(113.92 + i / 10_000, -2.21, srid=4326),
                                      caller_number="081234567890", address=f"Jl. Banjir {i}", priority=(2, 3, 4)[i % 3])
        incidents.append(incident)
        # two or three alerts each, raised minutes apart
        for k, kind in enumerate(("assignment_expired", "no_backup", "unrouted")[: 2 + i % 2]):
            SupervisorAlert.objects.create(command_centre=centre, incident=incident, kind=kind, message=f"{incident.reference} {kind}",
                                           created_at=now - timedelta(minutes=30 - i % 20, seconds=-k))
    # the worst: a P1 that waited least long still comes first; of two P2s, the one waiting longer first
    p1 = incidents[-1]
    Incident.objects.filter(pk=p1.pk).update(priority=1)
    SupervisorAlert.objects.filter(incident=p1).update(created_at=now - timedelta(seconds=30))
    alerts = SupervisorAlert.objects.count()
    try:
        context = session_context(chromium, asgi_process.url, supervisor, viewport={"width": 1600, "height": 1000})
        context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
        page = context.new_page()
        echo_browser_errors(page)
        page.goto(asgi_process.url + "/board/")
        wait_live(page)
        lines = page.locator("#alerts li.alert-group")
        # the heading counts every incident with an open alert (not every alert); the worst STEP are drawn
        assert page.inner_text("#alert-count") == str(len(incidents))
        assert str(alerts) in page.get_attribute("#alert-count", "title")
        assert lines.count() == STEP
        assert page.locator("#alerts li.more-lines").is_visible()
        first = lines.nth(0)
        assert first.get_attribute("data-incident") == str(p1.pk) and "P1" in first.inner_text()
        waited = [int(x) for x in lines.evaluate_all("(ls) => ls.slice(1, 40).filter((l) => l.querySelector('.prio.p2')).map((l) => l.dataset.incident)")]
        p2_order = [i.pk for i in sorted((i for i in incidents[:-1] if i.priority == 2),
                                         key=lambda i: (SupervisorAlert.objects.filter(incident=i).order_by("created_at").first().created_at, i.pk))]
        assert waited == p2_order[: len(waited)] and waited
        # one line says how many alerts and what they are
        three = next(i for i in incidents if i.pk != p1.pk and incidents.index(i) % 2 == 1)
        if page.locator(f'#alerts li.alert-group[data-incident="{three.pk}"]').count() == 0:
            page.click("[data-more-alerts]")
        line = page.locator(f'#alerts li.alert-group[data-incident="{three.pk}"]')
        assert line.get_attribute("data-open-count") == "3" and "3 peringatan" in line.inner_text()
        assert "Penugasan tidak dikonfirmasi" in line.inner_text() and "Tidak ada instansi cadangan" in line.inner_text()
        # the rest is a button away
        if page.locator("[data-more-alerts]").count():
            page.click("[data-more-alerts]")
        page.wait_for_function(f"document.querySelectorAll('#alerts li.alert-group').length === {len(incidents)}")
        assert page.locator("#alerts li.more-lines").count() == 0
    finally:
        for c in chromium.contexts:
            c.close()
