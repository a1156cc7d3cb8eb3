"""Four eyes in the admin: a ministry employee's edit becomes a proposal, and coordinators
review proposals as a diff, approve them (one by one or a selection) or return them.

Who may see which proposal is decided by ``ProposalQuerySet.for_user``; who may approve or
return, by the permission ``measures.review_proposal`` (the Coördinator group). The writes
are ``services.propose_changes``, ``approve_proposal`` and ``return_proposal``.
"""

import dataclasses
import difflib
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from . import services
from .models import (
    PROPOSAL_FIELDS,
    Activity,
    ActivityActor,
    Actor,
    Footnote,
    Proposal,
    ProposalSource,
    ProposalState,
    Status,
)

PROPOSED_MESSAGE = "Uw wijziging is ingediend en wacht op beoordeling door een coördinator."
NOTHING_PROPOSED_MESSAGE = "U heeft niets gewijzigd; er is niets ingediend."

# A word diff splits text into runs of blanks and runs of everything else.
_TOKENS = re.compile(r"\s+|\S+")


def word_diff(old: str, new: str) -> SafeString:
    """Old → new at word level: removed words in <del>[-…-]</del>, added ones in
    <ins>{+…+}</ins> (the markers of wdiff), so the change never rests on colour or
    strike-through alone."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    parts = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(format_html("<del>[-{}-]</del>", "".join(a[i1:i2])))
        if j2 > j1:
            parts.append(format_html("<ins>{{+{}+}}</ins>", "".join(b[j1:j2])))
    return format_html_join("", "{}", ((part,) for part in parts))


def _shown(name: str, value, statuses: dict[str, str]) -> str:
    """A proposal's stored (JSON) value as the reviewer reads it."""
    if name == "status":
        return statuses.get(value, value)
    if name == "actors":
        return ", ".join(value) or "(geen)"
    if name == "footnotes":
        lines = [
            f"[{note['number']}] {note['text']}" + (f" ({note['url']})" if note["url"] else "")
            for note in value
        ]
        return "\n".join(lines) or "(geen)"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return value or "(leeg)"


@dataclasses.dataclass(frozen=True)
class FieldDiff:
    label: str
    diff: SafeString  # as proposed: the value the proposer saw → the proposed value
    # When someone changed this field since the proposal was made: what is public now → the
    # proposed value, i.e. what approving would really do.
    diff_from_current: SafeString | None


def proposal_diffs(proposal: Proposal, current: dict | None) -> list[FieldDiff]:
    statuses = dict(Status.objects.values_list("code", "label"))
    rows = []
    for name in PROPOSAL_FIELDS:
        change = proposal.changes.get(name)
        if change is None:
            continue
        new = _shown(name, change["new"], statuses)
        from_current = None
        if current is not None and current[name] != change["old"]:
            from_current = word_diff(_shown(name, current[name], statuses), new)
        rows.append(
            FieldDiff(
                services.field_label(name),
                word_diff(_shown(name, change["old"], statuses), new),
                from_current,
            )
        )
    return rows


# The activity form's side ---------------------------------------------------------------------


def footnotes_after(formset) -> list[dict]:
    """The footnotes as the footnote inline would leave them, in their printed order."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or formset._should_delete_form(form):
            continue
        note = {"number": data["number"], "text": data["text"], "url": data.get("url") or ""}
        rows.append((data.get("position") or 0, data["number"], note))
    return [note for *_, note in sorted(rows, key=lambda row: row[:2])]


class ProposingAdminMixin:
    """Saving ``ActivityAdmin``'s change form: through ``save_activity``, or, when the user's
    changes need review, as a proposal that leaves the activity (and its footnotes) as it is."""

    change_form_template = "admin/measures/activity/change_form.html"

    def _proposing(self, request, change: bool) -> bool:
        return change and services.review_required(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # The form refuses a second proposal while one waits (see ActivityAdminForm.clean).
        return type(form.__name__, (form,), {"proposing": self._proposing(request, change)})

    def save_model(self, request, obj, form, change):
        if not change:
            services.create_activity(obj, user=request.user)
        elif not self._proposing(request, change):
            services.save_activity(
                obj, user=request.user, base_version=form.cleaned_data["version"]
            )

    def save_related(self, request, form, formsets, change):
        if not self._proposing(request, change):
            super().save_related(request, form, formsets, change)
            form.instance.record_actors_in_history()
            return
        changes = {name: form.cleaned_data[name] for name in PROPOSAL_FIELDS if name in form.fields}
        for formset in formsets:
            if formset.model is Footnote and formset.has_changed():
                changes["footnotes"] = footnotes_after(formset)
        try:
            request._proposal = services.propose_changes(
                form.instance,
                user=request.user,
                base_version=form.cleaned_data["version"],
                changes=changes,
                source=ProposalSource.FORM,
            )
        except ValidationError as error:
            if getattr(error, "code", None) != "unchanged":
                raise
            request._proposal = None

    def construct_change_message(self, request, form, formsets, add=False):
        if self._proposing(request, change=not add):
            return ""  # the formsets were not saved, so they cannot describe themselves
        return super().construct_change_message(request, form, formsets, add)

    def log_change(self, request, obj, message):
        # A proposal changes nothing yet; the proposal itself records who, when and what.
        if not self._proposing(request, change=True):
            super().log_change(request, obj, message)

    def response_change(self, request, obj):
        if not self._proposing(request, change=True):
            return super().response_change(request, obj)
        if request._proposal is None:
            self.message_user(request, NOTHING_PROPOSED_MESSAGE, messages.INFO)
        else:
            self.message_user(request, PROPOSED_MESSAGE, messages.SUCCESS)
        if "_continue" in request.POST:
            return HttpResponseRedirect(request.path)
        return self.response_post_save_change(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is not None and request.user.has_perm("measures.view_proposal"):
            latest = (
                Proposal.objects.for_user(request.user)
                .filter(activity_id=_int_or_none(object_id))
                .exclude(state__in=[ProposalState.APPLIED, ProposalState.WITHDRAWN])
                .select_related("proposed_by", "reviewed_by")
                .first()
            )
            if latest is not None and latest.state in (
                ProposalState.SUBMITTED,
                ProposalState.RETURNED,
            ):
                extra_context = {**(extra_context or {}), "proposal_notice": latest}
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (services.EditConflict, services.ProposalBlocked):
            # Someone saved (or proposed) between this form's check and its write; the
            # transaction rolled back. Showing the form again runs the check against their
            # version, which keeps the editor's input and shows what changed.
            return super().changeform_view(request, object_id, form_url, extra_context)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# The review ------------------------------------------------------------------------------


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label="Opmerking voor de indiener",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text="Verplicht bij terugsturen: wat moet de indiener aanpassen?",
    )


class ActorFilter(admin.SimpleListFilter):
    title = "wie"
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        actors = Actor.objects.order_by("code")
        if not request.user.has_perm("measures.manage_all_activities"):
            actors = actors.filter(memberships__user=request.user)
        return [(actor.code, actor.code) for actor in actors]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        links = ActivityActor.objects.filter(
            activity=OuterRef("activity"), actor__code=self.value()
        )
        return queryset.filter(Exists(links))


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = [
        "activity_title",
        "action_line_number",
        "actor_codes",
        "changed_fields",
        "proposer",
        "created_at",
        "state",
        "version_note",
        "review_comment",
    ]
    list_display_links = ["activity_title"]
    list_filter = ["state", ActorFilter, "activity__action_line", "source"]
    search_fields = ["activity__title", "note", "review_comment"]
    actions = ["approve_selected"]
    review_template = "admin/measures/proposal/review.html"

    def get_queryset(self, request):
        links = ActivityActor.objects.select_related("actor").order_by("position")
        return (
            Proposal.objects.for_user(request.user)
            .select_related("activity__action_line", "proposed_by", "reviewed_by")
            .prefetch_related(Prefetch("activity__actor_links", queryset=links))
        )

    # Proposals are made by editing activities and changed only by reviewing them.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request, obj=None):
        return request.user.has_perm("measures.review_proposal")

    # Display ---------------------------------------------------------------------------

    @admin.display(description="activiteit", ordering="activity__title")
    def activity_title(self, proposal):
        return proposal.activity.title

    @admin.display(description="actielijn", ordering="activity__action_line__number")
    def action_line_number(self, proposal):
        return proposal.activity.action_line.number

    @admin.display(description="wie")
    def actor_codes(self, proposal):
        return ", ".join(actor.code for actor in proposal.activity.ordered_actors)

    @admin.display(description="wijzigt")
    def changed_fields(self, proposal):
        return ", ".join(
            services.field_label(name) for name in PROPOSAL_FIELDS if name in proposal.changes
        )

    @admin.display(description="ingediend door", ordering="proposed_by__last_name")
    def proposer(self, proposal):
        return services._user_name(proposal.proposed_by)

    @admin.display(description="versie")
    def version_note(self, proposal):
        return version_note(proposal)

    # The review page -------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        proposal = self.get_object(request, unquote(object_id))
        if proposal is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, proposal):
            raise PermissionDenied
        if request.method == "POST":
            return self._review(request, proposal)
        return self._review_page(request, proposal, ReturnForm())

    def _review(self, request, proposal):
        page = reverse("admin:measures_proposal_change", args=[proposal.pk])
        if "_withdraw" in request.POST:
            try:
                services.withdraw_proposal(proposal, user=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return HttpResponseRedirect(page)
            self.message_user(request, "U heeft uw voorstel ingetrokken.")
            return HttpResponseRedirect(page)
        if not self.has_review_permission(request):
            raise PermissionDenied
        if "_approve" in request.POST:
            seen = _int_or_none(request.POST.get("seen_version"))
            try:
                activity = services.approve_proposal(proposal, user=request.user, seen_version=seen)
            except services.StaleProposal as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
                return self._review_page(request, proposal, ReturnForm())
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return HttpResponseRedirect(page)
            self.log_change(request, proposal, "Goedgekeurd.")
            self.message_user(
                request,
                f"Voorstel goedgekeurd: ‘{activity}’ is bijgewerkt (nu versie {activity.version}).",
            )
            return HttpResponseRedirect(reverse("admin:measures_proposal_changelist"))
        if "_return" in request.POST:
            form = ReturnForm(request.POST)
            if form.is_valid():
                try:
                    services.return_proposal(
                        proposal, user=request.user, comment=form.cleaned_data["comment"]
                    )
                except ValidationError as error:
                    if error.code != "comment":
                        self.message_user(request, " ".join(error.messages), messages.ERROR)
                        return HttpResponseRedirect(page)
                    form.add_error("comment", error)
                else:
                    self.log_change(request, proposal, "Teruggestuurd.")
                    self.message_user(
                        request,
                        "Voorstel teruggestuurd naar "
                        f"{services._user_name(proposal.proposed_by)}, met uw opmerking.",
                    )
                    return HttpResponseRedirect(reverse("admin:measures_proposal_changelist"))
            return self._review_page(request, proposal, form)
        return HttpResponseRedirect(page)

    def _review_page(self, request, proposal, return_form):
        activity = Activity.objects.select_related("status").get(pk=proposal.activity_id)
        since = services.changed_since(proposal, activity) if proposal.is_pending else []
        current = services.proposable_values(activity, proposal.changes) if since else None
        context = {
            **self.admin_site.each_context(request),
            "title": f"Voorstel voor ‘{activity}’",
            "opts": self.opts,
            "proposal": proposal,
            "activity": activity,
            "diffs": proposal_diffs(proposal, current),
            "version_note": version_note(proposal, activity),
            "changed_since": [services.field_label(name) for name in since],
            "can_review": proposal.is_pending and self.has_review_permission(request),
            "can_withdraw": proposal.is_pending and proposal.proposed_by_id == request.user.pk,
            "return_form": return_form,
            "activity_url": reverse("admin:measures_activity_change", args=[activity.pk]),
        }
        return TemplateResponse(request, self.review_template, context)

    # Bulk approval ---------------------------------------------------------------------

    @admin.action(description="Geselecteerde voorstellen goedkeuren", permissions=["review"])
    def approve_selected(self, request, queryset):
        approved, stale = services.approve_proposals(queryset, user=request.user)
        if approved:
            LogEntry.objects.log_actions(
                request.user.pk,
                approved,
                CHANGE,
                change_message="Goedgekeurd (selectie).",
                single_object=len(approved) == 1,
            )
        self.message_user(request, f"{len(approved)} voorstel(len) goedgekeurd.")
        if stale:
            names = "; ".join(
                f"‘{refusal.proposal.activity}’ ({version_note(refusal.proposal)})"
                for refusal in stale
            )
            self.message_user(
                request,
                f"{len(stale)} voorstel(len) niet goedgekeurd: gemaakt op een oudere versie, en "
                f"wat ze wijzigen is sindsdien veranderd. Open ze om de verschillen te bekijken: "
                f"{names}.",
                messages.WARNING,
            )


def version_note(proposal: Proposal, activity: Activity | None = None) -> str:
    """Says so when a pending proposal was made against an older version."""
    activity = activity or proposal.activity
    if not proposal.is_pending or proposal.base_version == activity.version:
        return ""
    return (
        f"Gemaakt op versie {proposal.base_version}; de activiteit is nu versie {activity.version}."
    )
