"""dispatch.negotiation.RememberingContentNegotiation chooses what DRF's DefaultContentNegotiation chooses, from memory the
second time; refusals and long headers are not remembered, and the memory stays bounded."""
import pytest
from django.http import Http404
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from dispatch.negotiation import RememberingContentNegotiation


def _request(accept=None, query=""):
    extra = {"HTTP_ACCEPT": accept} if accept is not None else {}
    return Request(APIRequestFactory().get(f"/api/v1/x/{query}", **extra))


@pytest.fixture(autouse=True)
def _forget():
    RememberingContentNegotiation._chosen.clear()
    RememberingContentNegotiation._parsers.clear()
    yield
    RememberingContentNegotiation._chosen.clear()
    RememberingContentNegotiation._parsers.clear()


@pytest.mark.parametrize("accept,query", [
    (None, ""), ("*/*", ""), ("application/json", ""), ("application/json; indent=4", ""), ("text/html", ""),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ""), ("application/*", ""),
    ("*/*", "?format=json"), ("*/*", "?format=api"), ("application/json", "?format=json"),
])
def test_the_choice_is_drfs_and_is_remembered(accept, query):
    for _ in range(2):
        renderers = [JSONRenderer(), BrowsableAPIRenderer()]
        got_renderer, got_type = RememberingContentNegotiation().select_renderer(_request(accept, query), renderers)
        want_renderer, want_type = DefaultContentNegotiation().select_renderer(_request(accept, query), renderers)
        assert got_renderer is want_renderer and got_type == want_type
    assert len(RememberingContentNegotiation._chosen) == 1


def test_refusals_and_long_headers_are_not_remembered():
    renderers = [JSONRenderer()]
    with pytest.raises(exceptions.NotAcceptable):
        RememberingContentNegotiation().select_renderer(_request("image/png"), renderers)
    with pytest.raises(Http404):
        RememberingContentNegotiation().select_renderer(_request("*/*", "?format=xml"), renderers)
    long_header = ",".join(["application/json"] * 20)
    assert RememberingContentNegotiation().select_renderer(_request(long_header), renderers)[0] is renderers[0]
    assert RememberingContentNegotiation._chosen == {}


def test_the_memory_is_bounded():
    renderers = [JSONRenderer()]
    for i in range(3 * RememberingContentNegotiation.LIMIT):
        RememberingContentNegotiation().select_renderer(_request(f"application/json; v={i}"), renderers)
        assert len(RememberingContentNegotiation._chosen) <= RememberingContentNegotiation.LIMIT


@pytest.mark.parametrize("content_type", [
    "application/json", "application/json; charset=utf-8", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz", "text/plain", "application/xml", "x" * 300,
])
def test_the_parser_is_drfs_and_is_remembered(content_type):
    for _ in range(2):
        parsers = [JSONParser(), FormParser(), MultiPartParser()]
        request = Request(APIRequestFactory().post("/api/v1/x/", b"", content_type=content_type))
        want = DefaultContentNegotiation().select_parser(request, parsers)
        assert RememberingContentNegotiation().select_parser(request, parsers) is want
    assert len(RememberingContentNegotiation._parsers) == (0 if len(content_type) > 200 else 1)
