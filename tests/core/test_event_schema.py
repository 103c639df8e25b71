"""The event schema is one list in code (incidents.events.EVENT_KINDS) and one table in docs/architecture.md;
they must name the same kinds, and every kind a service writes must be in the list."""
import ast
import re
from pathlib import Path

import pytest
from django.db import transaction

from incidents.events import EVENT_KINDS
from incidents.models import TimelineEvent
from incidents.services.common import transition
from incidents.timeline import record_event

ROOT = Path(__file__).resolve().parents[2]


def documented_kinds() -> set[str]:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Event schema", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", section, re.M))


def kinds_written_in_code() -> set[str]:
    kinds = set()
    for package in ("incidents", "volunteers", "reporting", "agencies"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    for kw in node.keywords:
                        if kw.arg == "kind" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str) and "." in kw.value.value:
                            kinds.add(kw.value.value)
                # _move(..., "assignment.accepted", ...) / _centre_event("call.ringing", ...)
                if isinstance(node, ast.Call):
                    for arg in node.args:
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and re.fullmatch(r"(incident|assignment|unit|call|alert)\.[a-z_]+", arg.value):
                            kinds.add(arg.value)
    return kinds


def test_the_documented_kinds_are_the_kinds_in_code():
    assert documented_kinds() == set(EVENT_KINDS)


def test_every_kind_a_service_writes_is_listed():
    written = kinds_written_in_code()
    assert written, "the scan found no kinds at all"
    assert written - set(EVENT_KINDS) == set()


@pytest.mark.django_db
def test_record_event_refuses_an_unlisted_kind(centre):
    with pytest.raises(ValueError), transaction.atomic():
        record_event(kind="incident.teleported", centre_ids=[centre.pk], agency_ids=[], community_ids=[], payload={})
    assert not TimelineEvent.objects.filter(kind="incident.teleported").exists()


@pytest.mark.django_db
def test_a_transition_saves_only_what_changed_and_a_no_op_writes_nothing(make_incident, call_taker, django_assert_num_queries):
    # given an incident and a unit-less transition on it
    incident = make_incident()
    before = TimelineEvent.objects.count()
    # when it moves to the status it already has: nothing is saved, no event
    with transaction.atomic(), django_assert_num_queries(0):
        assert transition(
            incident, status=incident.status, kind="incident.status_changed", incident=incident, actor=call_taker,
            payload=lambda old: {},
        ) is None
    assert TimelineEvent.objects.count() == before
    # when it really moves: one event old → new, and the stamp is written
    with transaction.atomic():
        old = transition(
            incident, status="closed", kind="incident.status_changed", incident=incident, actor=call_taker, stamp="closed_at",
            payload=lambda old: {"old": old, "new": "closed"},
        )
    incident.refresh_from_db()
    event = TimelineEvent.objects.latest("seq")
    assert (old, incident.status, event.payload["old"], event.payload["new"]) == ("new", "closed", "new", "closed")
    assert incident.closed_at is not None and event.kind == "incident.status_changed"
