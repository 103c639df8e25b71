"""After a PostgreSQL restart the pool must not hand out dead connections (issue 14: a minute of 503s)."""
import psycopg
import pytest
from django.conf import settings
from django.db import connection
from psycopg_pool import ConnectionPool

pytestmark = pytest.mark.django_db(transaction=True)


def _conninfo():
    params = connection.get_connection_params()
    for django_only in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(django_only, None)
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if v not in (None, "")})


def _kill(pid):
    with psycopg.connect(_conninfo(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_connection_killed_by_the_server_is_not_handed_out_again():
    # given a pool configured like production's, holding one connection that the server then terminates
    # (what a PostgreSQL restart does to every pooled connection)
    options = {**settings.DATABASE_POOL_OPTIONS, "min_size": 1, "max_size": 1, "timeout": 5}
    with ConnectionPool(_conninfo(), open=True, **options) as pool:
        with pool.connection() as conn:
            pid = conn.info.backend_pid
        _kill(pid)
        # when the next request takes a connection
        with pool.connection() as conn:
            # then it is a live one (the dead one was checked, discarded and replaced)
            assert conn.execute("SELECT 1").fetchone() == (1,)
            assert conn.info.backend_pid != pid


def test_the_check_is_what_makes_it_work():
    # the same scenario without the check hands out the dead connection: the test above would fail without it
    options = {**settings.DATABASE_POOL_OPTIONS, "min_size": 1, "max_size": 1, "timeout": 5}
    options.pop("check")
    with ConnectionPool(_conninfo(), open=True, **options) as pool:
        with pool.connection() as conn:
            pid = conn.info.backend_pid
        _kill(pid)
        with pytest.raises(psycopg.OperationalError):
            with pool.connection() as conn:
                conn.execute("SELECT 1")
