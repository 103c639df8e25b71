"""REST API v1: the events feed — the same JSON events as the live socket, for catching up or polling.

`GET /api/v1/events/?after=<seq>&limit=<n>` answers the caller's events with seq > after, oldest first, and
`next_after` (the seq to ask from next); `has_more` says whether another page is waiting now. `&incident=<id>`
narrows the feed to one incident the caller can see (404 otherwise), like the socket's `?incident=`.
"""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents import selectors
from incidents.live import event_message

MAX_LIMIT = 1000


class EventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    incident = serializers.IntegerField(allow_null=True)
    actor = serializers.IntegerField(allow_null=True)
    payload = serializers.DictField()


class EventPageSerializer(serializers.Serializer):
    results = EventSerializer(many=True)
    next_after = serializers.IntegerField(help_text="Pass as `after` to get the following page.")
    has_more = serializers.BooleanField()
    last_seq = serializers.IntegerField(help_text="The newest sequence number overall when this page was read.")


class EventListApi(APIView):
    class FilterSerializer(serializers.Serializer):
        after = serializers.IntegerField(min_value=0, required=False, default=0)
        limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, required=False, default=100)
        incident = serializers.IntegerField(min_value=1, required=False, default=None, help_text="Only this incident's events.")

    @extend_schema(operation_id="events_list", parameters=[FilterSerializer], responses={200: EventPageSerializer})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        after, limit = filters.validated_data["after"], filters.validated_data["limit"]
        # Read the overall newest seq first: then every event of the scope up to it is on this page or a later one.
        newest = selectors.last_seq()
        events = selectors.events_after(request.user, after, limit + 1, incident_id=filters.validated_data["incident"])
        has_more = len(events) > limit
        events = events[:limit]
        return Response(
            {
                "results": [event_message(e) for e in events],
                "next_after": events[-1].seq if events else after,
                "has_more": has_more,
                "last_seq": newest,
            }
        )
