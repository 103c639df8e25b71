"""`represent` (incidents/api/serializers.py) reads plain fields itself: whatever the object, it answers what a new
DRF serializer's `.data` answers — None on the way, a missing related row, a mapping, a function DRF calls, a missing
attribute with and without a default, a value that is not a bool for a BooleanField."""
import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers

from incidents.api.serializers import StrField, represent, represent_many


class _Missing:
    @property
    def related(self):
        raise ObjectDoesNotExist("no row")


class _Named:
    def __str__(self):
        return "named"


class _Out(serializers.Serializer):
    n = serializers.IntegerField()
    text = serializers.CharField()
    ratio = serializers.FloatField(allow_null=True)
    flag = serializers.BooleanField()
    nested = serializers.CharField(source="inner.code", allow_null=True)
    deep = serializers.IntegerField(source="inner.more.n", allow_null=True, required=False)
    named = StrField(source="inner")
    with_default = serializers.CharField(source="absent", default="d")
    optional = serializers.CharField(source="absent_too", required=False)
    when = serializers.DateTimeField(allow_null=True)
    method = serializers.SerializerMethodField()

    def get_method(self, obj) -> str:
        return "m"


def _obj(**over):
    base = dict(
        n=3, text="t", ratio=1.5, flag=True, inner=SimpleNamespace(code="c", more=SimpleNamespace(n=7)),
        when=dt.datetime(2026, 12, 8, 1, 2, 3, tzinfo=dt.timezone.utc),
    )
    return SimpleNamespace(**{**base, **over})


@pytest.mark.parametrize("obj", [
    _obj(),
    _obj(n="12", text=5, ratio=None, flag=1, when=None),
    _obj(flag="false"), _obj(flag=0), _obj(flag=None),
    _obj(inner=SimpleNamespace(code=None, more=None)),
    _obj(inner=None),
    _obj(inner={"code": "from a mapping", "more": {"n": 2}}),
    _obj(inner=SimpleNamespace(code=lambda: "called", more=SimpleNamespace(n=lambda: 9))),
    _obj(n=lambda: 4), _obj(inner=SimpleNamespace(code="c", more=lambda: SimpleNamespace(n=5))),
    _obj(inner=_Named(), absent="given"),
    _obj(absent_too="there"),
    {"n": 1, "text": "a dict", "ratio": 2, "flag": False, "inner": {"code": "x", "more": {"n": 1}}, "when": None},
])
def test_represent_answers_what_drf_answers(obj):
    for _ in range(2):  # the plan is made on the first call, used on the second
        assert represent(_Out, obj) == _Out(obj).data


def test_a_missing_related_row_is_null_as_in_drf():
    class _Rel(serializers.Serializer):
        code = serializers.CharField(source="related.code", allow_null=True)

    assert represent(_Rel, _Missing()) == _Rel(_Missing()).data == {"code": None}


def test_a_missing_attribute_without_default_fails_as_in_drf():
    obj = SimpleNamespace(n=1)

    class _Strict(serializers.Serializer):
        n = serializers.IntegerField()
        text = serializers.CharField()

    with pytest.raises(AttributeError):
        _Strict(obj).data
    with pytest.raises(AttributeError):
        represent(_Strict, obj)
    assert represent_many(_Strict, [SimpleNamespace(n=1, text="a"), SimpleNamespace(n="2", text=3)]) == [
        {"n": 1, "text": "a"}, {"n": 2, "text": "3"},
    ]
