"""Browser pages of the volunteers app (the volunteer phone page and the coordinator page come with the
volunteer issue; until then a volunteer's home page says what they can do)."""
urlpatterns = []
