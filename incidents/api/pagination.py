"""`?limit=&offset=` pagination with a ceiling: a console may ask for its 500 open incidents, nobody for a million."""
from rest_framework.pagination import LimitOffsetPagination


class CappedLimitOffsetPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 1000
