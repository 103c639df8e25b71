"""Browser pages of the incidents app (consoles)."""
urlpatterns = []
