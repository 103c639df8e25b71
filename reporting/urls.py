"""Browser pages of the reporting app (the officials' report pages come with the reports issue)."""
urlpatterns = []
