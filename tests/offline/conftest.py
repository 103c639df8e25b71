"""The API clients of tests/api (the Palangka Raya call-taker, a Samarinda call-taker, a dispatcher)."""
from tests.api.conftest import api, dispatcher_api, smd_api, smd_centre  # noqa: F401
