"""REST API v1 routes of the incidents app."""
urlpatterns = []
