"""REST API v1 routes: interop (NENA EIDO, OASIS CAP, AML/ELS, notifications)."""
from django.urls import path

from incidents.api import interop

urlpatterns = [
    path("incidents/<int:pk>/eido/", interop.IncidentEidoApi.as_view(), name="api-incident-eido"),
    path("eido/", interop.EidoImportApi.as_view(), name="api-eido-import"),
    path("incidents/<int:pk>/cap/", interop.IncidentCapApi.as_view(), name="api-incident-cap"),
    path("incidents/<int:pk>/public-alert/", interop.IncidentPublicAlertApi.as_view(), name="api-incident-public-alert"),
    path("cap/feed/", interop.CapFeedApi.as_view(), name="api-cap-feed"),
    path("cap/alerts/<int:pk>/", interop.CapPublicAlertApi.as_view(), name="api-cap-alert"),
    path("aml/", interop.AmlApi.as_view(), name="api-aml"),
    path("aml/sms/", interop.AmlSmsApi.as_view(), name="api-aml-sms"),
    path("notifications/", interop.NotificationListApi.as_view(), name="api-notifications"),
]
