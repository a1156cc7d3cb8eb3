"""The admin start page's "Mijn activiteiten": what needs the editor's attention."""

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.timezone import localdate

from measures.admin import NeedsAttentionFilter
from measures.models import Activity

register = template.Library()


@register.inclusion_tag("admin/measures/includes/_my_activities.html", takes_context=True)
def my_activities(context):
    user = context["request"].user
    if not user.has_perm("measures.change_activity"):
        return {"shown": False}
    activities = Activity.objects.editable_by(user)
    changelist = reverse("admin:measures_activity_changelist")
    filter_name = NeedsAttentionFilter.parameter_name
    memberships = user.actor_memberships.select_related("actor")
    return {
        "shown": True,
        "actors": [membership.actor for membership in memberships],
        "manages_all": user.has_perm("measures.manage_all_activities"),
        "total": activities.count(),
        "overdue": activities.overdue(localdate()).count(),
        "stale": activities.stale().count(),
        "stale_days": settings.NAP_STALE_AFTER_DAYS,
        "changelist_url": changelist,
        "overdue_url": f"{changelist}?{filter_name}={NeedsAttentionFilter.OVERDUE}",
        "stale_url": f"{changelist}?{filter_name}={NeedsAttentionFilter.STALE}",
        "export_url": reverse("admin:measures_activity_export")
        if user.has_perm("measures.export_activity")
        else None,
        "import_url": reverse("admin:measures_activity_import")
        if user.has_perm("measures.import_activity")
        else None,
    }
