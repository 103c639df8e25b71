"""REST API v1 routes of the agencies app."""
urlpatterns = []
