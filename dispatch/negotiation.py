"""The API's content negotiation (REST_FRAMEWORK["DEFAULT_CONTENT_NEGOTIATION_CLASS"]).

Its own module: rest_framework.views imports the class while it defines APIView, so the module must not import
rest_framework.views itself (dispatch.api does)."""
from rest_framework.negotiation import DefaultContentNegotiation


class RememberingContentNegotiation(DefaultContentNegotiation):
    """DRF's renderer choice, remembered per (Accept header, `?format=`, renderer classes) for the process; its
    parser choice, per (Content-Type, parser classes).

    DRF parses the Accept header into media types and matches them against every renderer on each request (issue 27:
    0.5 % of an intake's instructions with the parser choice), though the answer depends only on those three: the same header from the same console
    gets the same renderer every time. The memory is small and bounded (a header longer than a plain one is not
    remembered, and the whole memory is forgotten past `LIMIT` entries), so a client sending a new header on every
    request only costs what DRF costs; a refusal (406, an unknown format's 404) is never remembered."""

    LIMIT = 64
    _chosen: dict = {}
    _parsers: dict = {}

    def select_parser(self, request, parsers):
        content_type = request.content_type
        key = (content_type, *map(type, parsers))
        chosen = self._parsers.get(key)
        if chosen is not None:
            return parsers[chosen] if chosen >= 0 else None
        parser = super().select_parser(request, parsers)
        if content_type is None or len(content_type) <= 200:
            if len(self._parsers) >= self.LIMIT:
                self._parsers.clear()
            self._parsers[key] = -1 if parser is None else [id(p) for p in parsers].index(id(parser))
        return parser

    def select_renderer(self, request, renderers, format_suffix=None):
        fmt = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        # request.META, not request.headers: the latter builds a dict of every header once per request
        header = request.META.get("HTTP_ACCEPT", "*/*")
        key = (header, fmt, *map(type, renderers))
        chosen = self._chosen.get(key)
        if chosen is not None:
            return renderers[chosen[0]], chosen[1]
        renderer, media_type = super().select_renderer(request, renderers, format_suffix)
        if len(header) <= 200:
            if len(self._chosen) >= self.LIMIT:
                self._chosen.clear()
            self._chosen[key] = ([id(r) for r in renderers].index(id(renderer)), media_type)
        return renderer, media_type
