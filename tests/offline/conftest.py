"""The API clients of tests/api and the browser fixtures of tests/calltaker (the uvicorn server, Chromium, the places of
Palangka Raya) for the offline tests."""
from tests.api.conftest import api, dispatcher_api, smd_api, smd_centre  # noqa: F401
from tests.calltaker.conftest import asgi_server, ct_browser, pky_places  # noqa: F401
