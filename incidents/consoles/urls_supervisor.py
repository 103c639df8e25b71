"""Console pages: supervisor."""
urlpatterns = []
