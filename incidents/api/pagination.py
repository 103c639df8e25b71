"""The API's pagination: the project-wide capped limit/offset (dispatch.api), kept importable from here."""
from dispatch.api import CappedLimitOffsetPagination

__all__ = ["CappedLimitOffsetPagination"]
