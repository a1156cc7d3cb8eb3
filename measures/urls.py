from django.urls import path

from . import feeds, views

app_name = "measures"

urlpatterns = [
    path("activiteiten/", views.activity_list, name="activity-list"),
    path("activiteiten/<slug:slug>/", views.activity_detail, name="activity-detail"),
    path("activiteiten/<slug:slug>/feed/", feeds.activity_changes_feed, name="activity-feed"),
    path("statussen/", views.status_list, name="status-list"),
    path("wijzigingen/", views.change_list, name="change-list"),
    path("wijzigingen/feed/", feeds.changes_feed_view, name="change-feed"),
    path("wie/<str:code>/feed/", feeds.actor_changes_feed, name="actor-feed"),
    path("wie/<str:code>/", views.actor_detail, name="actor-detail"),
    path("tijdlijn/", views.timeline, name="timeline"),
]
