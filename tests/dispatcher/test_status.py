"""derive_incident_status is pure: an exhaustive table over every combination of assignment statuses,
dispatched-unit statuses and the centre's close/cancel flags."""
from itertools import chain, combinations

import pytest

from incidents.status import derive_incident_status

A_ALL = ["offered", "accepted", "declined", "expired", "handed_off", "completed", "cancelled"]
U_ALL = ["available", "dispatched", "en_route", "on_scene", "transporting", "at_hospital", "out_of_service"]


def subsets(items):
    return list(chain.from_iterable(combinations(items, n) for n in range(len(items) + 1)))


def expected(assignments, units, closed, cancelled):
    """The rule as the dispatch centre states it, written as a priority list."""
    a, u = set(assignments), set(units)
    if cancelled:
        return "cancelled"
    if closed:
        return "closed"
    if "accepted" in a:
        if u & {"on_scene", "transporting", "at_hospital"}:
            return "on_scene"
        if "en_route" in u:
            return "en_route"
        if "dispatched" in u:
            return "dispatched"
        return "accepted"
    if "offered" in a:
        return "routed"
    if "completed" in a:
        return "resolved"
    return "new"


@pytest.mark.parametrize("assignments", subsets(A_ALL), ids=lambda s: "+".join(s) or "none")
def test_exhaustive(assignments):
    for units in subsets(U_ALL):
        for closed, cancelled in ((False, False), (True, False), (False, True), (True, True)):
            got = derive_incident_status(assignment_statuses=assignments, unit_statuses=units, closed=closed, cancelled=cancelled)
            assert got == expected(assignments, units, closed, cancelled), (assignments, units, closed, cancelled)


@pytest.mark.parametrize(
    "assignments,units,status",
    [
        ([], [], "new"),
        (["offered"], [], "routed"),
        (["declined", "expired"], [], "new"),  # nobody has it: back to the call-taker for routing
        (["expired", "offered"], [], "routed"),  # backup agency offered after an expiry
        (["handed_off", "offered"], [], "routed"),
        (["accepted", "offered"], [], "accepted"),
        (["accepted"], ["dispatched"], "dispatched"),
        (["accepted"], ["dispatched", "en_route"], "en_route"),
        (["accepted", "accepted"], ["en_route", "on_scene"], "on_scene"),
        (["accepted"], ["transporting"], "on_scene"),
        (["accepted"], ["at_hospital"], "on_scene"),
        (["accepted"], ["available", "out_of_service"], "accepted"),
        (["offered"], ["en_route"], "routed"),  # units only count under an accepted assignment
        (["completed"], [], "resolved"),
        (["completed", "accepted"], ["on_scene"], "on_scene"),
        (["completed", "declined"], [], "resolved"),
        (["cancelled"], [], "new"),
    ],
)
def test_named_cases(assignments, units, status):
    assert derive_incident_status(assignment_statuses=assignments, unit_statuses=units) == status


def test_duplicates_and_order_do_not_matter():
    a = derive_incident_status(assignment_statuses=["accepted", "offered", "accepted"], unit_statuses=["en_route", "dispatched", "en_route"])
    b = derive_incident_status(assignment_statuses=("offered", "accepted"), unit_statuses=("dispatched", "en_route"))
    assert a == b == "en_route"
