from django.contrib import admin

from .models import ActionLine


@admin.register(ActionLine)
class ActionLineAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "slug"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ["title"]}
    ordering = ["number"]
