from django.urls import path

from . import views

app_name = "actionlines"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("actielijnen/<int:number>/", views.detail, name="detail"),
]
