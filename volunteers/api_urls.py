"""REST API v1 routes of the volunteers app (see volunteers.api)."""
urlpatterns = []
