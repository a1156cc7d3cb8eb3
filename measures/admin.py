from django.contrib import admin
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from .models import Activity, ActivityActor, Actor, Footnote, Status


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(Status)
class StatusAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "position", "is_closed", "icon", "colour"]
    list_editable = ["position"]
    list_filter = ["is_closed"]
    search_fields = ["label", "code", "definition"]
    prepopulated_fields = {"code": ["label"]}


class ActivityActorInline(admin.TabularInline):
    model = ActivityActor
    extra = 0
    autocomplete_fields = ["actor"]
    ordering = ["position"]


class FootnoteInline(admin.StackedInline):
    model = Footnote
    extra = 0
    ordering = ["position", "number"]
    fields = [("number", "position"), "text", "url"]


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "action_line",
        "status",
        "timeframe_label",
        "deviates_from_plan",
        "is_public",
        "updated_at",
    ]
    list_filter = ["action_line", "status", "actors", "deviates_from_plan", "is_public"]
    list_select_related = ["action_line", "status"]
    search_fields = ["title", "explanation", "slug"]
    autocomplete_fields = ["action_line", "status"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["start_year", "start_quarter", "end_year", "end_quarter", "updated_at"]
    inlines = [ActivityActorInline, FootnoteInline]
    fieldsets = [
        (None, {"fields": ["action_line", "position", "title", "slug", "status"]}),
        (
            "Wanneer",
            {
                "fields": [
                    "timeframe_label",
                    ("start_year", "start_quarter"),
                    ("end_year", "end_quarter"),
                ]
            },
        ),
        (None, {"fields": ["explanation", "deviates_from_plan", "is_public", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        obj.apply_timeframe_label()
        obj.updated_at = timezone.now()
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
