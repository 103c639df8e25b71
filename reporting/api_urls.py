"""REST API v1 routes of the reporting app (see reporting.api)."""
urlpatterns = []
