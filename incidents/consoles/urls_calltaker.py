"""Console pages: calltaker."""
urlpatterns = []
