"""Read-only lists for coordinators: who signed in how and when, and who changed whose rights."""

from django.contrib import admin

from napsite.accounts.models import AccessChange, SignIn


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record of what happened: nobody adds, edits or removes entries by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SignIn)
class SignInAdmin(ReadOnlyAdmin):
    list_display = ["user", "method", "signed_in_at"]
    list_filter = ["method", "signed_in_at"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    date_hierarchy = "signed_in_at"


@admin.register(AccessChange)
class AccessChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "user", "kind", "subject", "changed_by", "via"]
    list_filter = ["kind", "via", "changed_at"]
    search_fields = ["user__username", "subject", "changed_by__username"]
    list_select_related = ["user", "changed_by"]
    date_hierarchy = "changed_at"
