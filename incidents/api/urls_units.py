"""REST API v1 routes: units."""
urlpatterns = []
