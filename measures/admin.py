"""The admin, where coordinators and ministry staff maintain the activities.

Who may touch which activity is decided once, by ``ActivityQuerySet.editable_by``; every route
into an activity (changelist, change and history views, actions, autocomplete, export, import)
goes through ``ActivityAdmin.get_queryset`` or asks ``_may_edit``.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.timezone import localdate
from simple_history.admin import SimpleHistoryAdmin

from . import exports, services
from .models import Activity, ActivityActor, Actor, ActorMembership, Footnote, Proposal, Status
from .proposals_admin import ProposingAdminMixin
from .resources import ActivityResource
from .selectors import site_dates

CONFLICT_MESSAGE = (
    "Iemand anders heeft deze activiteit opgeslagen nadat u hem opende. Uw wijzigingen zijn "
    "nog niet opgeslagen; ze staan hieronder nog in het formulier. Dit is er intussen "
    "veranderd:"
)
CONFLICT_ADVICE = "Controleer het formulier en sla opnieuw op."
CONFLICT_MESSAGE_UNKNOWN_BASE = (
    "Iemand anders heeft deze activiteit opgeslagen nadat u hem opende. Er is niets "
    "opgeslagen. Welke velden u veranderde, valt niet meer na te gaan; daarom toont het "
    "formulier nu de opgeslagen gegevens."
)
CONFLICT_ADVICE_UNKNOWN_BASE = "Breng uw wijzigingen opnieuw aan in het formulier en sla dan op."


def manages_all_activities(user) -> bool:
    return user.has_perm("measures.manage_all_activities")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        name = user.get_full_name()
        return f"{name} ({user.get_username()})" if name else user.get_username()


def staff_user_field(db_field, **kwargs):
    """Only active admin users can work for an actor; shown by name."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    return db_field.formfield(
        form_class=UserChoiceField, queryset=users.order_by("first_name", "last_name"), **kwargs
    )


class ActorMembershipInline(admin.TabularInline):
    model = ActorMembership
    extra = 0
    fields = ["user"]
    verbose_name = "medewerker"
    verbose_name_plural = "medewerkers (mogen de activiteiten van deze actor bijwerken)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            return staff_user_field(db_field, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    inlines = [ActorMembershipInline]


@admin.register(ActorMembership)
class ActorMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "user_name", "actor"]
    list_filter = ["actor"]
    list_select_related = ["user", "actor"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "user__email",
        "actor__code",
        "actor__name",
    ]
    autocomplete_fields = ["actor"]

    @admin.display(description="naam", ordering="user__last_name")
    def user_name(self, membership):
        return membership.user.get_full_name()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            return staff_user_field(db_field, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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


def _in_full(value) -> str:
    """An editor's own value, shown whole: it is what they must re-enter."""
    if value is None or value == "":
        return "(leeg)"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return str(value)


class ActivityAdminForm(forms.ModelForm):
    """The activity form. It carries the version it was opened at, and refuses to save over
    a newer one (optimistic locking)."""

    # The admin supplies the model and fields (from the fieldsets of each role).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Whether saving makes a proposal rather than a change (set per request by the admin).
    proposing = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # A new activity has nothing to lock against; it starts at version 1.
            del self.fields["version"]

    def clean(self):
        cleaned_data = super().clean()
        current = self.instance
        if current.pk is None:
            return cleaned_data
        base_version = cleaned_data.get("version")
        if base_version is None:
            raise ValidationError(
                "Het formulier mist het versienummer. Open de activiteit opnieuw.", code="version"
            )
        if base_version != current.version:
            edited = {
                name: getattr(value, "pk", value)
                for name, value in cleaned_data.items()
                if name != "version"
            }
            merge = services.merge_edit(current, base_version, edited)
            self._prepare_next_save(current.version, merge.taken)
            raise ValidationError(self._conflict_lines(merge, cleaned_data), code="conflict")
        if self.proposing:
            # One proposal at a time per activity: checked here so the editor's input stays.
            pending = Proposal.objects.pending().filter(activity=current)
            pending = pending.select_related("proposed_by", "activity").first()
            if pending is not None:
                raise services.ProposalBlocked(pending)
        return cleaned_data

    def _prepare_next_save(self, version: int, taken: dict) -> None:
        """Base the shown form on the stored version, with the stored values taken over."""
        data = self.data.copy()
        data[self.add_prefix("version")] = version
        for name, value in taken.items():
            key = self.add_prefix(name)
            if isinstance(self.fields[name], forms.BooleanField):
                data.pop(key, None)
                if value:
                    data[key] = "on"
            else:
                data[key] = "" if value is None else value
        self.data = data

    def _label(self, name: str) -> str:
        return capfirst(Activity._meta.get_field(name).verbose_name)

    def _conflict_lines(self, merge: services.Merge, cleaned_data) -> list[str]:
        if not merge.base_known:
            # No record of the version this form started from: which fields the editor changed
            # cannot be told, so nothing of theirs is saved over someone else's work.
            lines = [
                CONFLICT_MESSAGE_UNKNOWN_BASE,
                *(revision.describe() for revision in merge.revisions),
            ]
            if merge.taken:
                entered = "; ".join(
                    f"{self._label(name)}: ‘{_in_full(cleaned_data[name])}’" for name in merge.taken
                )
                lines.append(f"Wat u had ingevuld: {entered}.")
            return [*lines, CONFLICT_ADVICE_UNKNOWN_BASE]
        lines = [CONFLICT_MESSAGE, *(revision.describe() for revision in merge.revisions)]
        if merge.taken:
            taken = ", ".join(self._label(name) for name in merge.taken)
            lines.append(f"Overgenomen in het formulier: {taken}.")
        if merge.both:
            both = ", ".join(self._label(name) for name in merge.both)
            lines.append(
                f"U en de ander wijzigden allebei: {both}. Uw versie staat in het formulier."
            )
        return [*lines, CONFLICT_ADVICE]


class ChangeStatusForm(forms.Form):
    status = forms.ModelChoiceField(
        label="Nieuwe status", queryset=Status.objects.order_by("position", "code")
    )
    note = forms.CharField(
        label="Toelichting op de wijziging",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Verplicht. Komt in de geschiedenis van elke gewijzigde activiteit.",
    )

    def clean_note(self):
        note = self.cleaned_data["note"].strip()
        if not note:
            raise ValidationError("Schrijf kort waarom de status verandert.")
        return note


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "aandacht nodig"
    parameter_name = "aandacht"
    OVERDUE = "achterstallig"
    STALE = "verouderd"

    def lookups(self, request, model_admin):
        return [
            (self.OVERDUE, "Achterstallig (periode voorbij, niet afgesloten)"),
            (self.STALE, f"Niet bijgewerkt in {settings.NAP_STALE_AFTER_DAYS} dagen"),
        ]

    def queryset(self, request, queryset):
        if self.value() == self.OVERDUE:
            return queryset.overdue(localdate())
        if self.value() == self.STALE:
            return queryset.stale()
        return queryset


@admin.register(Activity)
class ActivityAdmin(ProposingAdminMixin, SimpleHistoryAdmin):
    form = ActivityAdminForm
    list_display = [
        "title",
        "action_line_number",
        "status",
        "actor_codes",
        "timeframe_label",
        "updated_at",
    ]
    list_filter = [
        NeedsAttentionFilter,
        "action_line",
        "status",
        ("actors", admin.RelatedOnlyFieldListFilter),
        "deviates_from_plan",
        "is_public",
    ]
    list_select_related = ["action_line", "status"]
    search_fields = ["title", "explanation", "slug"]
    autocomplete_fields = ["action_line"]
    readonly_fields = [
        "start_year",
        "start_quarter",
        "end_year",
        "end_quarter",
        "updated_at",
        "updated_by_name",
        "actor_codes",
        "action_line_title",
        "deviates_from_plan_text",
        "is_public_text",
    ]
    inlines = [ActivityActorInline, FootnoteInline]
    actions = ["change_status", "download_overview"]
    fieldsets = [
        (None, {"fields": ["action_line", "position", "title", "slug", "status", "version"]}),
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
        (
            None,
            {
                "fields": [
                    "explanation",
                    "deviates_from_plan",
                    "is_public",
                    "updated_at",
                    "updated_by_name",
                ]
            },
        ),
    ]
    # Ministry staff see the same activity, but may only change status, timeframe,
    # explanation and footnotes. The rest is shown as text: no links to pages they cannot open.
    staff_fieldsets = [
        (None, {"fields": ["title", "action_line_title", "actor_codes", "status", "version"]}),
        (
            "Wanneer",
            {
                "fields": [
                    "timeframe_label",
                    ("start_year", "start_quarter"),
                    ("end_year", "end_quarter"),
                    "deviates_from_plan_text",
                ]
            },
        ),
        (None, {"fields": ["explanation", "is_public_text", "updated_at", "updated_by_name"]}),
    ]
    staff_readonly_fields = ["title"]

    # Who may see and change what -------------------------------------------------------

    def get_queryset(self, request):
        # with_related() is the one place that says what a row needs; actions such as the
        # overview download use this queryset as it is (a second prefetch of the same lookup
        # would be an error).
        return super().get_queryset(request).editable_by(request.user).with_related()

    def _may_edit(self, request, activity) -> bool:
        # Asked several times per page (form, inlines, buttons): answered once per request.
        decided = request.__dict__.setdefault("_editable_activities", {})
        if activity.pk not in decided:
            editable = Activity.objects.editable_by(request.user).filter(pk=activity.pk)
            decided[activity.pk] = editable.exists()
        return decided[activity.pk]

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or self._may_edit(request, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self._may_edit(request, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self._may_edit(request, obj))

    def get_object(self, request, object_id, from_field=None):
        activity = super().get_object(request, object_id, from_field)
        if activity is None and self._exists(object_id, from_field):
            # Someone else's activity: say so, rather than pretend it does not exist.
            raise PermissionDenied
        return activity

    def _exists(self, object_id, from_field) -> bool:
        field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
        try:
            value = field.to_python(object_id)
        except ValidationError:
            return False
        return Activity.objects.filter(**{field.name: value}).exists()

    def get_fieldsets(self, request, obj=None):
        fieldsets = (
            super().get_fieldsets(request, obj)
            if manages_all_activities(request.user)
            else self.staff_fieldsets
        )
        if obj is None:
            # The add form has no version field (see ActivityAdminForm).
            fieldsets = [
                (name, {**options, "fields": [f for f in options["fields"] if f != "version"]})
                for name, options in fieldsets
            ]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not manages_all_activities(request.user):
            readonly += self.staff_readonly_fields
        return readonly

    def get_prepopulated_fields(self, request, obj=None):
        # Not a class attribute: the history view reads that one for every role, and staff
        # have no title field to prepopulate the slug from.
        return {"slug": ["title"]} if manages_all_activities(request.user) else {}

    def revert_disabled(self, request, obj=None):
        # Reverting would save an old version number and bypass the conflict check.
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    # Display ---------------------------------------------------------------------------

    @admin.display(description="actielijn", ordering="action_line__number")
    def action_line_number(self, activity):
        return activity.action_line.number

    @admin.display(description="wie")
    def actor_codes(self, activity):
        return ", ".join(actor.code for actor in activity.ordered_actors)

    @admin.display(description="actielijn")
    def action_line_title(self, activity):
        return str(activity.action_line)

    @admin.display(description="afwijking van de planning")
    def deviates_from_plan_text(self, activity):
        return "ja" if activity.deviates_from_plan else "nee"

    @admin.display(description="openbaar")
    def is_public_text(self, activity):
        return "ja" if activity.is_public else "nee"

    @admin.display(description="bijgewerkt door")
    def updated_by_name(self, activity):
        user = activity.updated_by
        return (user.get_full_name() or user.get_username()) if user else "-"

    # Actions ---------------------------------------------------------------------------

    @admin.action(description="Status wijzigen", permissions=["change"])
    def change_status(self, request, queryset):
        form = ChangeStatusForm(request.POST if "apply" in request.POST else None)
        if not queryset.exists():
            self.message_user(
                request, "Geen van de gekozen activiteiten mag u wijzigen.", messages.WARNING
            )
            return None
        if form.is_valid():
            status = form.cleaned_data["status"]
            try:
                proposals = services.change_status(
                    queryset, status=status, note=form.cleaned_data["note"], user=request.user
                )
            except services.EditConflict:
                self.message_user(
                    request,
                    "Iemand anders wijzigde tegelijk een van deze activiteiten. Er is niets "
                    "gewijzigd; probeer het opnieuw.",
                    messages.ERROR,
                )
                return None
            except services.ProposalBlocked as blocked:
                self.message_user(request, " ".join(blocked.messages), messages.ERROR)
                return None
            if services.review_required(request.user):
                self.message_user(
                    request,
                    f"Statuswijziging ingediend voor {len(proposals)} activiteit(en); die wacht "
                    "op beoordeling door een coördinator.",
                )
                return None
            changed = [proposal.activity for proposal in proposals]
            if changed:
                LogEntry.objects.log_actions(
                    request.user.pk,
                    changed,
                    CHANGE,
                    change_message=f"Status gewijzigd in ‘{status}’: {form.cleaned_data['note']}",
                    single_object=len(changed) == 1,
                )
            self.message_user(
                request, f"Status van {len(changed)} activiteit(en) gewijzigd in ‘{status}’."
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Status wijzigen",
            "opts": self.opts,
            "activities": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
            "media": self.media,
        }
        return TemplateResponse(request, "admin/measures/activity/change_status.html", context)

    @admin.action(description="Overzicht downloaden (Excel)", permissions=["view"])
    def download_overview(self, request, queryset):
        """The public overview's workbook (same resource and layout) for the selection, which
        may include activities that are not public."""
        peildatum = site_dates().reference_date
        metadata = exports.ExportMetadata(
            source_url=request.build_absolute_uri(),
            reference_date=peildatum,
            filters=[("Selectie", f"{queryset.count()} activiteit(en) gekozen in het beheer")],
        )
        resource = ActivityResource(base_url=request.build_absolute_uri("/"))
        return exports.activities_workbook(queryset.with_planning(peildatum), resource, metadata)
