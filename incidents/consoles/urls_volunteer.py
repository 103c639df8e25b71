"""Console pages: volunteer."""
urlpatterns = []
