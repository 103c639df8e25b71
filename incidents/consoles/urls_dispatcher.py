"""Console pages: dispatcher."""
urlpatterns = []
