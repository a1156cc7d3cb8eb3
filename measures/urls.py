from django.urls import path

from . import views

app_name = "measures"

urlpatterns = [
    path("activiteiten/<slug:slug>/", views.activity_detail, name="activity-detail"),
]
