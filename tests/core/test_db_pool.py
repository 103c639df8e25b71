"""After a PostgreSQL restart the pool must not hand out dead connections (issue 14: a minute of 503s).

The pool is Django's own (OPTIONS "pool", on outside tests), built here from the project's settings exactly as
production builds it: CONN_HEALTH_CHECKS makes Django give the pool psycopg_pool's check_connection."""
import itertools

import psycopg
import pytest
from django.conf import settings
from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)
_aliases = itertools.count()


def _pooled_wrapper(**overrides):
    settings_dict = {**connection.settings_dict, **overrides}
    settings_dict["OPTIONS"] = {**(settings_dict.get("OPTIONS") or {}), "pool": {**settings.DATABASE_POOL_OPTIONS, "min_size": 1, "max_size": 1, "timeout": 5}}
    return DatabaseWrapper(settings_dict, alias=f"pooltest{next(_aliases)}")


def _kill(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def _dead_connection_handed_out(wrapper) -> bool:
    pool = wrapper.pool
    pool.open(wait=True, timeout=10)  # Django opens it on first use of the wrapper; the test uses the pool directly
    try:
        with pool.connection() as conn:
            pid = conn.info.backend_pid
        _kill(pid)
        try:
            with pool.connection() as conn:
                conn.execute("SELECT 1")
                return conn.info.backend_pid == pid
        except psycopg.OperationalError:
            return True
    finally:
        wrapper.close_pool()


def test_the_projects_pool_discards_a_connection_the_server_killed():
    # given the pool as the settings configure it, holding a connection the server then terminates (what a
    # PostgreSQL restart does to every pooled connection), the next request gets a live one
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert not _dead_connection_handed_out(_pooled_wrapper())


def test_without_the_health_check_the_dead_connection_is_handed_out():
    # the same without the setting: the test above would fail without it
    assert _dead_connection_handed_out(_pooled_wrapper(CONN_HEALTH_CHECKS=False))
