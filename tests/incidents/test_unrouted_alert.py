"""Issue 23 item 2: an incident nobody holds — never routed, or left by every agency (declined, expired, a handoff
declined) — raises one `unrouted` supervisor alert once it has been unrouted longer than its priority's threshold
(the centre's setting; defaults P1 60 s, P2 120 s, P3 300 s, P4 600 s). The database-deadline sweeper raises it
(`Incident.unrouted_alert_due_at`, the same sweep as the other timers), exactly once per unrouted spell; a new spell
raises a new one; closed, cancelled and resolved incidents never alert."""
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from incidents.models import Incident, SupervisorAlert, TimelineEvent
from incidents.services import (
    assignment_accept,
    assignment_complete,
    assignment_decline,
    assignment_expire,
    assignment_handoff,
    incident_alert_unrouted,
    incident_cancel,
    incident_close,
    incident_route,
    incident_update,
)
from incidents.tasks import sweep_all, sweep_unrouted
from tests import factories as f
from tests.api.race import race

pytestmark = pytest.mark.django_db

UNROUTED = SupervisorAlert.Kind.UNROUTED
DEFAULTS = {1: 60, 2: 120, 3: 300, 4: 600}


def _unrouted(incident):
    return list(SupervisorAlert.objects.filter(incident=incident, kind=UNROUTED).order_by("created_at", "pk"))


def _raised(incident):
    return [e.payload for e in TimelineEvent.objects.filter(incident=incident, kind="alert.raised").order_by("seq")]


@pytest.mark.parametrize("priority", [1, 2, 3, 4])
def test_a_never_routed_incident_alerts_once_its_priority_threshold_has_passed(make_incident, priority):
    # given an incident of this priority that nobody routes
    incident = make_incident(priority=priority)
    threshold = timedelta(seconds=DEFAULTS[priority])
    assert incident.unrouted_since == incident.created_at
    assert incident.unrouted_alert_due_at == incident.created_at + threshold
    # when the sweeper runs a second before the threshold: nothing
    assert sweep_unrouted(now=incident.created_at + threshold - timedelta(seconds=1)) == 0
    assert _unrouted(incident) == []
    # when it runs just after: one alert for the centre's supervisors, with its event
    assert sweep_unrouted(now=incident.created_at + threshold + timedelta(milliseconds=500)) == 1
    [alert] = _unrouted(incident)
    assert alert.assignment_id is None and alert.command_centre_id == incident.command_centre_id
    assert incident.reference in alert.message and f"P{priority}" in alert.message
    [payload] = _raised(incident)
    assert payload["alert"] == "unrouted" and payload["assignment"] is None and payload["threshold_s"] == DEFAULTS[priority]
    assert payload["unrouted_since"] == incident.created_at.isoformat() and payload["late_by_ms"] == 500
    assert [a["id"] for a in payload["alerts"]] == [alert.pk]
    # and however often the sweeper runs afterwards, this spell has had its alert
    assert sweep_all(now=incident.created_at + threshold + timedelta(hours=2))["unrouted"] == 0
    assert len(_unrouted(incident)) == 1
    incident.refresh_from_db()
    assert incident.unrouted_alert_due_at is None and incident.status == Incident.Status.NEW


def test_the_thresholds_are_the_centres_own(make_incident, centre):
    # given a centre that alerts P1 after 20 s and P4 after an hour
    centre.unrouted_alert_p1_s, centre.unrouted_alert_p4_s = 20, 3600
    centre.save(update_fields=["unrouted_alert_p1_s", "unrouted_alert_p4_s"])
    p1, p4 = make_incident(priority=1), make_incident(priority=4)
    # then each waits its own threshold
    assert p1.unrouted_alert_due_at - p1.created_at == timedelta(seconds=20)
    assert p4.unrouted_alert_due_at - p4.created_at == timedelta(hours=1)
    assert sweep_unrouted(now=p4.created_at + timedelta(seconds=21)) == 1
    assert len(_unrouted(p1)) == 1 and _unrouted(p4) == []


def test_routing_in_time_raises_nothing(make_incident, call_taker):
    # given an incident routed before its threshold
    incident = make_incident(priority=1)
    incident_route(incident_id=incident.pk, actor=call_taker)
    # then the spell ended: no deadline, no alert even long after
    incident.refresh_from_db()
    assert incident.unrouted_since is None and incident.unrouted_alert_due_at is None
    assert sweep_unrouted(now=incident.created_at + timedelta(hours=1)) == 0
    assert _unrouted(incident) == []


def test_each_new_spell_after_a_decline_raises_a_new_alert(make_incident, call_taker, damkar_dispatcher):
    # given a P2 incident left unrouted past its threshold (spell 1: one alert)
    incident = make_incident(priority=2)
    sweep_unrouted(now=incident.created_at + timedelta(seconds=121))
    # when it is routed and Damkar declines (spell 2 starts at the decline)
    [first] = incident_route(incident_id=incident.pk, actor=call_taker)
    assignment_decline(assignment_id=first.pk, actor=damkar_dispatcher, reason="Bukan wilayah kami")
    first.refresh_from_db()
    incident.refresh_from_db()
    assert incident.status == Incident.Status.NEW
    assert timedelta(0) <= incident.unrouted_since - first.declined_at < timedelta(seconds=1)
    # then the decline itself raises nothing: the same rule as a never-routed incident, after the threshold
    assert len(_unrouted(incident)) == 1
    assert sweep_unrouted(now=incident.unrouted_since + timedelta(seconds=119)) == 0
    assert sweep_unrouted(now=incident.unrouted_since + timedelta(seconds=121)) == 1
    # when routed and declined once more (spell 3)
    [second] = incident_route(incident_id=incident.pk, actor=call_taker)
    assignment_decline(assignment_id=second.pk, actor=damkar_dispatcher, reason="Armada habis")
    incident.refresh_from_db()
    assert sweep_unrouted(now=incident.unrouted_since + timedelta(seconds=121)) == 1
    # then one alert per spell, each named by the assignment whose end began it
    assert [a.assignment_id for a in _unrouted(incident)] == [None, first.pk, second.pk]
    assert "sejak Damkar PKY menolak" in _unrouted(incident)[1].message
    assert [p["assignment"] for p in _raised(incident) if p["alert"] == "unrouted"] == [None, first.pk, second.pk]


def test_a_decline_while_another_agency_holds_it_starts_no_spell(make_incident, call_taker, centre, damkar, damkar_dispatcher):
    # given an incident routed to Damkar and the police, the police accepted
    police = f.AgencyFactory(command_centre=centre, type="police", short_name="Polresta")
    incident = make_incident()
    assignments = incident_route(incident_id=incident.pk, actor=call_taker, agency_ids=[damkar.pk, police.pk])
    by_agency = {a.agency_id: a for a in assignments}
    assignment_accept(assignment_id=by_agency[police.pk].pk, actor=f.dispatcher(police))
    # when Damkar declines
    assignment_decline(assignment_id=by_agency[damkar.pk].pk, actor=damkar_dispatcher, reason="Tidak perlu")
    # then the police still hold it: no spell, no alert
    incident.refresh_from_db()
    assert incident.unrouted_alert_due_at is None
    assert sweep_unrouted(now=incident.created_at + timedelta(hours=1)) == 0
    assert _unrouted(incident) == []


def test_an_expiry_that_leaves_nobody_alerts_no_backup_at_once_and_unrouted_after_the_threshold(make_incident, call_taker):
    # given an incident routed to Damkar, which has no backup agency
    incident = make_incident(priority=1)
    [offer] = incident_route(incident_id=incident.pk, actor=call_taker)
    # when the offer expires
    expired_at = offer.ack_deadline + timedelta(seconds=1)
    assignment_expire(assignment_id=offer.pk, now=expired_at)
    # then the expiry's own alerts come at once, and the spell it began waits for its threshold
    kinds = set(SupervisorAlert.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds == {SupervisorAlert.Kind.ASSIGNMENT_EXPIRED, SupervisorAlert.Kind.NO_BACKUP}
    incident.refresh_from_db()
    assert incident.status == Incident.Status.NEW
    assert sweep_unrouted(now=incident.unrouted_since + timedelta(seconds=59)) == 0
    assert sweep_unrouted(now=incident.unrouted_since + timedelta(seconds=61)) == 1
    assert [a.assignment_id for a in _unrouted(incident)] == [offer.pk]


def test_a_handoff_the_receiver_declines_is_a_new_spell(make_incident, call_taker, centre, damkar, damkar_dispatcher):
    # given an incident Damkar accepted, then handed to the BPBD
    bpbd = f.AgencyFactory(command_centre=centre, type="disaster", short_name="BPBD")
    incident = make_incident(priority=3)
    [offer] = incident_route(incident_id=incident.pk, actor=call_taker)
    assignment_accept(assignment_id=offer.pk, actor=damkar_dispatcher)
    handed = assignment_handoff(assignment_id=offer.pk, actor=damkar_dispatcher, to_agency_id=bpbd.pk, reason="Banjir, bukan kebakaran")
    incident.refresh_from_db()
    assert incident.unrouted_alert_due_at is None  # the BPBD is offered it: somebody holds it
    # when the BPBD declines
    assignment_decline(assignment_id=handed.pk, actor=f.dispatcher(bpbd), reason="Bukan kewenangan kami")
    incident.refresh_from_db()
    # then nobody holds it: an alert after the P3 threshold, named by the declined handoff
    assert sweep_unrouted(now=incident.unrouted_since + timedelta(seconds=299)) == 0
    assert sweep_unrouted(now=incident.unrouted_since + timedelta(seconds=301)) == 1
    assert [a.assignment_id for a in _unrouted(incident)] == [handed.pk]


def test_closed_cancelled_and_resolved_incidents_never_alert(make_incident, call_taker, damkar_dispatcher):
    later = timedelta(hours=1)
    # cancelled while unrouted
    cancelled = make_incident()
    incident_cancel(incident_id=cancelled.pk, actor=call_taker, reason="Salah input")
    # closed while unrouted
    closed = make_incident()
    incident_close(incident_id=closed.pk, actor=call_taker, note="Ditangani sendiri oleh warga")
    # resolved: routed, accepted, completed
    resolved = make_incident()
    [offer] = incident_route(incident_id=resolved.pk, actor=call_taker)
    assignment_accept(assignment_id=offer.pk, actor=damkar_dispatcher)
    assignment_complete(assignment_id=offer.pk, actor=damkar_dispatcher, note="Api padam")
    for incident in (cancelled, closed, resolved):
        incident.refresh_from_db()
        assert incident.unrouted_alert_due_at is None and incident.unrouted_since is None, incident.status
    assert resolved.status == Incident.Status.RESOLVED
    assert sweep_unrouted(now=cancelled.created_at + later) == 0
    # even a stale deadline left on such a row (written by hand) is re-checked under the lock and dropped
    Incident.objects.filter(pk__in=[cancelled.pk, resolved.pk]).update(unrouted_alert_due_at=cancelled.created_at)
    assert sweep_unrouted(now=cancelled.created_at + later) == 0
    assert not SupervisorAlert.objects.filter(kind=UNROUTED).exists()
    assert not Incident.objects.filter(unrouted_alert_due_at__isnull=False).exists()


def test_raising_the_priority_moves_the_deadline_to_the_new_threshold(make_incident, call_taker):
    # given a P3 incident (300 s) nobody routed
    incident = make_incident(priority=3)
    # when the call-taker learns it is life-threatening: P1 (60 s, from the spell's start)
    incident_update(incident_id=incident.pk, actor=call_taker, priority=1)
    incident.refresh_from_db()
    assert incident.unrouted_alert_due_at == incident.created_at + timedelta(seconds=60)
    assert sweep_unrouted(now=incident.created_at + timedelta(seconds=61)) == 1


def test_a_spell_that_already_has_its_alert_raises_no_second(make_incident, centre):
    # given a spell whose alert exists already (raised before the sweeper owned the rule, or by a racing worker)
    incident = make_incident(priority=1)
    SupervisorAlert.objects.create(
        command_centre=centre, incident=incident, kind=UNROUTED, message="lama", created_at=incident.created_at,
    )
    # then the sweeper adds none, and clears the deadline
    assert sweep_unrouted(now=incident.created_at + timedelta(seconds=61)) == 0
    assert len(_unrouted(incident)) == 1
    # and the database refuses a second alert for the same spell even without that check
    with pytest.raises(IntegrityError), transaction.atomic():
        SupervisorAlert.objects.create(command_centre=centre, incident=incident, kind=UNROUTED, message="dua", created_at=incident.created_at)


def test_the_alert_rolls_back_with_its_transaction(make_incident):
    incident = make_incident(priority=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        incident_alert_unrouted(incident_id=incident.pk, now=incident.created_at + timedelta(seconds=61))
        raise RuntimeError("rolled back")
    # neither the alert nor the cleared deadline outlive it: the next sweep raises it
    assert _unrouted(incident) == []
    assert sweep_unrouted(now=incident.created_at + timedelta(seconds=62)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_raise_one_alert_per_spell(make_incident):
    # given several incidents past their P1 threshold
    incidents = [make_incident(priority=1) for _ in range(8)]
    now = max(i.created_at for i in incidents) + timedelta(seconds=61)
    # when two sweepers run at the same moment, three times over, and each incident's service is raced directly too
    for _round in range(3):
        results = race(lambda: sweep_unrouted(now=now), lambda: sweep_unrouted(now=now))
        assert not [r for r in results if isinstance(r, Exception)], results
    for incident in incidents:
        results = race(*[lambda i=incident: incident_alert_unrouted(incident_id=i.pk, now=now)] * 2)
        assert not [r for r in results if isinstance(r, Exception)], results
    # then each incident has exactly one alert and one alert.raised event
    for incident in incidents:
        assert len(_unrouted(incident)) == 1
        assert len(_raised(incident)) == 1
