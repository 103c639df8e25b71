"""404/403/500 pages in the app's layout and language, JSON under /api/, and API docs with no CDN (issue 16)."""
import re

import pytest
from django.test import RequestFactory

from dispatch.handlers import server_error

pytestmark = pytest.mark.django_db


def test_an_unknown_page_is_a_404_in_the_apps_layout_not_a_debug_page(client, settings):
    settings.DEBUG = False
    response = client.get("/tidak-ada/", HTTP_ACCEPT_LANGUAGE="id")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in html and "Sistem Dispatch 112" in html
    assert "URLconf" not in html and "Using the URLconf" not in html


def test_a_page_for_another_role_is_a_403_in_the_apps_layout(client, damkar_dispatcher):
    client.force_login(damkar_dispatcher)
    response = client.get("/console/call-taker/", HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 403
    assert "Tidak diizinkan" in response.content.decode()


def test_api_refusals_stay_json(client):
    assert client.get("/api/v1/tidak-ada/").json()["error"]["code"] == "not_found"


def test_a_server_error_page_in_the_layout():
    request = RequestFactory().get("/console/")
    response = server_error(request)
    assert response.status_code == 500 and "Terjadi kesalahan" in response.content.decode()


def test_the_api_docs_load_nothing_from_another_host(client, call_taker):
    client.force_login(call_taker)
    html = client.get("/api/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") or s.startswith("?") for s in sources), sources
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
