"""Browser pages (consoles); each console keeps its own module."""
from django.urls import include, path

urlpatterns = [
    path("", include("incidents.consoles.urls_calltaker")),
    path("", include("incidents.consoles.urls_dispatcher")),
    path("", include("incidents.consoles.urls_supervisor")),
    path("", include("incidents.consoles.urls_caller")),
]
