"""REST API v1 routes: interop."""
urlpatterns = []
