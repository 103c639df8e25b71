"""The call-taker page's snapshot and its live stream meet without a gap (issue 16): what is committed while the
page is being built is either among its rows or newer than the `last_seq` the socket resumes from; and the page
carries every open incident of the centre (no 1,000 cap), with the data the list's filters need."""
import pytest

from incidents.consoles import calltaker
from incidents.models import Incident, TimelineEvent
from incidents.services import assignment_decline, incident_route
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = "/console/call-taker/"


def test_an_incident_logged_while_the_rows_are_read_is_replayed_not_lost(client, call_taker, make_incident, monkeypatch):
    # given a call-taker opening the console while a colleague logs a call right after the rows were read
    late = []
    read_rows = calltaker._incident_rows

    def rows_then_a_colleague_logs_one(user):
        rows = read_rows(user)
        late.append(make_incident(address="Dicatat saat halaman dibuat"))
        return rows

    monkeypatch.setattr(calltaker, "_incident_rows", rows_then_a_colleague_logs_one)
    client.force_login(call_taker)
    response = client.get(URL)
    # then it is not in the rows, so its event must come after the page's last_seq (the socket replays it)
    [incident] = late
    ids = {r["id"] for r in response.context["incident_rows"]}
    created = TimelineEvent.objects.get(incident=incident, kind="incident.created")
    assert incident.pk not in ids
    assert created.seq > response.context["last_seq"]


def test_the_page_carries_every_open_incident_with_what_the_filters_need(client, centre, call_taker, damkar, damkar_dispatcher, make_incident):
    # given a routed incident, one Damkar declined (nobody holds it), and one of another centre
    routed = make_incident()
    incident_route(incident_id=routed.pk, actor=call_taker)
    left = make_incident()
    [offer] = incident_route(incident_id=left.pk, actor=call_taker)
    assignment_decline(assignment_id=offer.pk, actor=damkar_dispatcher, reason="Armada habis")
    other_centre = f.samarinda_centre()
    client.force_login(call_taker)
    rows = {r["id"]: r for r in client.get(URL).context["incident_rows"]}
    # then: the centre's two, with the live agencies, the creator and when it was left
    assert set(rows) == {routed.pk, left.pk}
    assert rows[routed.pk]["agencies"] == [damkar.pk] and rows[routed.pk]["unrouted_since"] == ""
    assert rows[left.pk]["agencies"] == [] and rows[left.pk]["status"] == "new"
    offer.refresh_from_db()
    assert rows[left.pk]["unrouted_since"] == offer.declined_at.isoformat()
    assert rows[routed.pk]["created_by"] == call_taker.pk
    assert other_centre.pk not in client.get(URL).context["config"]["centreIds"]


def test_no_thousand_row_cap(client, centre, call_taker, fire_category, pky_point, monkeypatch):
    # given more open incidents than the page's ceiling (lowered for the test)
    from django.utils import timezone

    now = timezone.now()
    Incident.objects.bulk_create([
        Incident(command_centre=centre, reference=f"PKY-{now.year}-8{n:05d}", year=now.year, number=800_000 + n, category=fire_category,
                 priority=2, location=pky_point, created_at=now)
        for n in range(12)
    ])
    monkeypatch.setattr(calltaker, "MAX_OPEN_INCIDENTS", 10)
    client.force_login(call_taker)
    context = client.get(URL).context
    # then the counter is still the true count, and the page says how many rows it left out
    assert context["incident_count"] == 12 and len(context["incident_rows"]) == 10 and context["incident_rows_left_out"] == 2
