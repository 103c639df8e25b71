"""REST API v1: incident categories (reference data for the call-taker's type-ahead and SOP scripts)."""
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import generics

from incidents.api.serializers import CategorySerializer
from incidents.models import IncidentCategory


class CategoryListApi(generics.ListAPIView):
    """Active categories with their Indonesian and English names, default priority, responsible agency
    types and SOP question script. `name` follows the request language (`Accept-Language`). Not paginated."""

    serializer_class = CategorySerializer
    pagination_class = None

    def get_queryset(self):
        return IncidentCategory.objects.filter(is_active=True).prefetch_related(
            Prefetch("related", queryset=IncidentCategory.objects.only("id", "code"))
        ).order_by("name_id")

    @extend_schema(operation_id="categories_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
