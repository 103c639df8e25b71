"""REST API v1 routes of the agencies app."""
from django.urls import path

from agencies import api

urlpatterns = [
    path("auth/token/", api.TokenObtainApi.as_view(), name="api-token"),
    path("auth/token/revoke/", api.TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("agencies/", api.AgencyListApi.as_view(), name="api-agencies"),
    path("aeds/", api.AedSearchApi.as_view(), name="api-aeds"),
]
