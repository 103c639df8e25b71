"""Fixtures with the real routing engine (tests/routing/engine.py)."""
import pytest

from tests.routing.engine import RoutedProcess, demo_dataset


@pytest.fixture(scope="session")
def demo_osrm_dataset(django_db_blocker):
    with django_db_blocker.unblock():
        return demo_dataset()


@pytest.fixture(scope="session")
def osrm_engine(demo_osrm_dataset):
    """One osrm-routed for the session, on the demo network (tests that stop an engine start their own)."""
    engine = RoutedProcess(demo_osrm_dataset).start()
    yield engine
    engine.stop()


@pytest.fixture
def routing(osrm_engine, settings):
    """Road routing on, through the session's engine; a fresh client and breaker before and after."""
    from dispatch import osrm

    settings.ROUTING_PROFILES = {"car": osrm_engine.url}
    osrm.reset()
    yield osrm_engine
    osrm.reset()


@pytest.fixture
def own_engine(demo_osrm_dataset, settings):
    """An osrm-routed of this test's own (it may kill it), with road routing pointed at it."""
    from dispatch import osrm

    engine = RoutedProcess(demo_osrm_dataset).start()
    settings.ROUTING_PROFILES = {"car": engine.url}
    osrm.reset()
    yield engine
    engine.stop()
    osrm.reset()
