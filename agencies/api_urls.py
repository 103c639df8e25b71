"""REST API v1 routes of the agencies app."""
from django.urls import path

from agencies import api

urlpatterns = [
    path("auth/token/", api.TokenObtainApi.as_view(), name="api-token"),
    path("agencies/", api.AgencyListApi.as_view(), name="api-agencies"),
]
