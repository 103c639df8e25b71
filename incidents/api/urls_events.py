"""REST API v1 routes: events."""
urlpatterns = []
