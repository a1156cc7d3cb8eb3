from django.urls import path

from . import views

app_name = "measures"

urlpatterns = [
    path("activiteiten/", views.activity_list, name="activity-list"),
    path("activiteiten/<slug:slug>/", views.activity_detail, name="activity-detail"),
    path("statussen/", views.status_list, name="status-list"),
    path("wie/<str:code>/", views.actor_detail, name="actor-detail"),
    path("tijdlijn/", views.timeline, name="timeline"),
]
