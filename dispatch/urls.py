from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from agencies.views import LogoutView
from dispatch import health, views

# The admin's own titles, in the page's language like everything else (Django's default is "Django administration").
admin.site.site_header = _("Administrasi 112")
admin.site.site_title = _("Admin 112")
admin.site.index_title = _("Data dan pengaturan")

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("dispatch.api_urls")),
    path("tiles/", include("agencies.tiles_urls")),
    path("", include("incidents.urls")),
    path("", include("volunteers.urls")),
    path("", include("reporting.urls")),
]

if settings.DEBUG:
    urlpatterns += []

handler403 = "dispatch.handlers.permission_denied"
handler404 = "dispatch.handlers.not_found"
handler500 = "dispatch.handlers.server_error"
