import pytest
from django.core.cache import cache

from incidents.services import assignment_accept, incident_route
from tests import factories as f


@pytest.fixture
def offered(make_incident, call_taker):
    """A fire incident routed to Damkar: the offered assignment."""
    incident = make_incident()
    [assignment] = incident_route(incident_id=incident.pk, actor=call_taker)
    return assignment


@pytest.fixture
def accepted(offered, damkar_dispatcher):
    return assignment_accept(assignment_id=offered.pk, actor=damkar_dispatcher)


@pytest.fixture
def engine(damkar):
    unit = f.UnitFactory(agency=damkar, call_sign="PKY-DMK-01")
    cache.delete(f"unitpos-event:{unit.pk}")
    return unit


@pytest.fixture
def engine2(damkar):
    return f.UnitFactory(agency=damkar, call_sign="PKY-DMK-02")
