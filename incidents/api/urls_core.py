"""REST API v1 routes: core."""
urlpatterns = []
