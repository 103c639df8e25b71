"""Browser pages of the volunteers app: the phone page, the coordinator page, the one-time sign-up link."""
from django.urls import path

from volunteers import views

urlpatterns = [
    path("relawan/", views.phone_page, name="volunteer-phone"),
    path("relawan/koordinator/", views.coordinator_page, name="volunteer-coordinator"),
    path("relawan/koordinator/<int:community_id>/", views.coordinator_page, name="volunteer-coordinator-community"),
    path("relawan/daftar/<str:token>/", views.signup_page, name="volunteer-signup"),
]
