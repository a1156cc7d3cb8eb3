"""The rounds in the admin: a coordinator opens a round, follows its completeness and closes
it; a ministry employee sees their own requests in it and answers them."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from measures.models import ActivityActor, Actor

from . import selectors, services
from .models import (
    AWAITING_ANSWER,
    MailPreference,
    RequestState,
    RoundState,
    SentMail,
    UpdateRequest,
    UpdateRound,
)


def requests_url(update_round, **filters) -> str:
    """The requests changelist narrowed to this round (and more), for "one click away"."""
    query = "&".join(
        f"{name}={value}" for name, value in {"ronde": update_round.pk, **filters}.items()
    )
    return f"{reverse('admin:reporting_updaterequest_changelist')}?{query}"


@admin.register(UpdateRound)
class UpdateRoundAdmin(admin.ModelAdmin):
    list_display = ["title", "reference_date", "deadline", "state", "answered"]
    list_filter = ["state"]
    fields = [
        "title",
        "reference_date",
        "deadline",
        "introduction",
        "state",
        "opened_by",
        "opened_at",
        "closed_by",
        "closed_at",
    ]
    add_fields = ["title", "reference_date", "deadline", "introduction"]
    readonly_fields = ["state", "opened_by", "opened_at", "closed_by", "closed_at"]
    change_form_template = "admin/reporting/updateround/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                total=Count("requests"),
                done=Count("requests", filter=~Q(requests__state__in=AWAITING_ANSWER)),
            )
        )

    @admin.display(description="beantwoord")
    def answered(self, update_round):
        return f"{update_round.done} van {update_round.total}"

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # The peildatum is what the requests asked about: it stays as the round was opened.
        return [*self.readonly_fields, "reference_date"]

    def has_add_permission(self, request):
        return services.may_manage_rounds(request.user)

    def has_change_permission(self, request, obj=None):
        allowed = services.may_manage_rounds(request.user)
        return allowed and (obj is None or obj.is_open)

    def has_delete_permission(self, request, obj=None):
        # A round is the record of what was asked and answered.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["title", "deadline", "introduction"])
            return
        opened = services.open_round(
            user=request.user, **{name: form.cleaned_data[name] for name in self.add_fields}
        )
        obj.pk, obj._state.adding = opened.pk, False

    def response_add(self, request, obj, post_url_continue=None):
        count = UpdateRequest.objects.filter(round=obj).count()
        self.message_user(
            request,
            f"De uitvraag is geopend met {count} verzoek(en). De e-mails gaan binnen enkele "
            "minuten uit.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:reporting_updateround_change", args=[obj.pk]))

    def get_urls(self):
        own = [
            path(
                "<int:pk>/sluiten/",
                self.admin_site.admin_view(self.close_view),
                name="reporting_updateround_close",
            ),
            path(
                "<int:pk>/concept/",
                self.admin_site.admin_view(self.draft_view),
                name="reporting_updateround_draft",
            ),
            path(
                "<int:pk>/ongewijzigd/",
                self.admin_site.admin_view(self.unchanged_view),
                name="reporting_updateround_unchanged",
            ),
        ]
        return own + super().get_urls()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if object_id is not None:
            update_round = self.get_object(request, object_id)
            if update_round is not None:
                extra_context |= self._round_context(request, update_round)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _round_context(self, request, update_round) -> dict:
        context = {
            "round": update_round,
            "manages_rounds": services.may_manage_rounds(request.user),
            "may_draft": request.user.has_perm("reporting.add_progressreport"),
            "is_late": update_round.is_late(),
        }
        if context["manages_rounds"]:
            progress = selectors.round_progress(update_round)
            context["progress"] = progress
            context["actor_rows"] = [
                (row, requests_url(update_round, wacht="ja", actor=row.key or "geen"))
                for row in progress.per_actor
            ]
            context["line_rows"] = [
                (row, requests_url(update_round, wacht="ja", actielijn=row.key))
                for row in progress.per_action_line
            ]
            context["awaiting_url"] = requests_url(update_round, wacht="ja")
            context["submitted_url"] = requests_url(update_round, status="ingediend")
        else:
            mine = list(selectors.requests_of(update_round, request.user))
            context["my_requests"] = mine
            context["my_awaiting"] = sum(1 for item in mine if item.awaits_answer)
        return context

    def close_view(self, request, pk):
        return self._post_action(request, pk, self._close)

    def draft_view(self, request, pk):
        return self._post_action(request, pk, self._draft)

    def unchanged_view(self, request, pk):
        return self._post_action(request, pk, self._unchanged)

    @staticmethod
    def _post_action(request, pk, action):
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:reporting_updateround_change", args=[pk]))
        update_round = get_object_or_404(UpdateRound, pk=pk)
        try:
            return action(request, update_round)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("admin:reporting_updateround_change", args=[pk]))

    def _close(self, request, update_round):
        services.close_round(update_round, user=request.user)
        messages.success(request, f"De uitvraag ‘{update_round}’ is gesloten.")
        return HttpResponseRedirect(
            reverse("admin:reporting_updateround_change", args=[update_round.pk])
        )

    def _draft(self, request, update_round):
        report = services.draft_report(update_round, user=request.user)
        messages.success(
            request,
            f"Conceptrapportage ‘{report}’ gemaakt met peildatum "
            f"{update_round.reference_date:%d-%m-%Y}.",
        )
        return HttpResponseRedirect(
            reverse("admin:reporting_progressreport_change", args=[report.pk])
        )

    def _unchanged(self, request, update_round):
        if not request.user.has_perm("reporting.change_updaterequest"):
            raise PermissionDenied
        ids = [value for value in request.POST.getlist("request") if value.isdigit()]
        answered = services.answer_unchanged(
            UpdateRequest.objects.filter(round=update_round, pk__in=ids), user=request.user
        )
        if answered:
            messages.success(request, f"{answered} verzoek(en) beantwoord met ‘ongewijzigd’.")
        else:
            messages.warning(
                request, "Er is niets beantwoord: dit verzoek wacht niet (meer) op uw antwoord."
            )
        return HttpResponseRedirect(
            reverse("admin:reporting_updateround_change", args=[update_round.pk])
        )


class RoundFilter(admin.SimpleListFilter):
    title = "uitvraag"
    parameter_name = "ronde"

    def lookups(self, request, model_admin):
        return [(str(pk), title) for pk, title in UpdateRound.objects.values_list("pk", "title")]

    def queryset(self, request, queryset):
        return queryset.filter(round=self.value()) if self.value() else queryset


class AwaitingFilter(admin.SimpleListFilter):
    title = "wacht op antwoord"
    parameter_name = "wacht"

    def lookups(self, request, model_admin):
        return [("ja", "Ja"), ("nee", "Nee")]

    def queryset(self, request, queryset):
        if self.value() == "ja":
            return queryset.filter(state__in=AWAITING_ANSWER)
        if self.value() == "nee":
            return queryset.exclude(state__in=AWAITING_ANSWER)
        return queryset


class ActorFilter(admin.SimpleListFilter):
    title = "ministerie (wie)"
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        return [(str(pk), code) for pk, code in Actor.objects.values_list("pk", "code")] + [
            ("geen", "(zonder actor)")
        ]

    def queryset(self, request, queryset):
        if self.value() == "geen":
            return queryset.filter(activity__actor_links__isnull=True)
        if self.value() and self.value().isdigit():
            links = ActivityActor.objects.filter(actor=self.value()).values("activity")
            return queryset.filter(activity__in=links)
        return queryset


class ActionLineFilter(admin.SimpleListFilter):
    title = "actielijn"
    parameter_name = "actielijn"

    def lookups(self, request, model_admin):
        from actionlines.models import ActionLine

        return [(str(line.pk), str(line.number)) for line in ActionLine.objects.order_by("number")]

    def queryset(self, request, queryset):
        value = self.value()
        return (
            queryset.filter(activity__action_line=value) if value and value.isdigit() else queryset
        )


class StateFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return UpdateRequest._meta.get_field("state").choices

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() else queryset


@admin.register(UpdateRequest)
class UpdateRequestAdmin(admin.ModelAdmin):
    list_display = [
        "activity_title",
        "actor_codes",
        "round",
        "state",
        "answer",
        "submitted_by",
        "submitted_at",
        "next_step",
    ]
    list_filter = [RoundFilter, AwaitingFilter, StateFilter, ActorFilter, ActionLineFilter]
    search_fields = ["activity__title"]
    actions = ["mark_unchanged"]
    fields = [
        "round",
        "activity",
        "state",
        "answer",
        "proposal",
        "submitted_by",
        "submitted_at",
        "comment",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .for_user(request.user)
            .select_related("round", "activity", "submitted_by", "proposal")
            .prefetch_related(
                Prefetch(
                    "activity__actor_links",
                    queryset=ActivityActor.objects.select_related("actor").order_by("position"),
                )
            )
        )

    @admin.display(description="activiteit", ordering="activity__title")
    def activity_title(self, request_):
        return request_.activity.title

    @admin.display(description="wie")
    def actor_codes(self, request_):
        return ", ".join(link.actor.code for link in request_.activity.actor_links.all())

    @admin.display(description="")
    def next_step(self, request_):
        """What can be done with the request now: answer it, or review its answer."""
        if request_.state == RequestState.SUBMITTED and request_.proposal_id:
            url = reverse("admin:measures_proposal_change", args=[request_.proposal_id])
            label = "Beoordelen"
        elif request_.awaits_answer and request_.round.state == RoundState.OPEN:
            url = reverse("admin:measures_activity_change", args=[request_.activity_id])
            label = "Wijzigen"
        else:
            return ""
        return format_html(
            '<a href="{}" aria-label="{}: {}">{}</a>',
            url,
            label,
            request_.activity.title,
            label,
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Requests change only through their answers and the review, never by hand.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_answer_permission(self, request):
        return request.user.has_perm("reporting.change_updaterequest")

    @admin.action(description="Beantwoorden met ‘ongewijzigd’", permissions=["answer"])
    def mark_unchanged(self, request, queryset):
        answered = services.answer_unchanged(queryset, user=request.user)
        self.message_user(request, f"{answered} verzoek(en) beantwoord met ‘ongewijzigd’.")


@admin.register(MailPreference)
class MailPreferenceAdmin(admin.ModelAdmin):
    """Each user sees and changes their own preference, and nobody else's."""

    fields = ["daily_digest"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user=request.user)

    def changelist_view(self, request, extra_context=None):
        preference, _ = MailPreference.objects.get_or_create(user=request.user)
        return HttpResponseRedirect(
            reverse("admin:reporting_mailpreference_change", args=[preference.pk])
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def response_change(self, request, obj):
        self.message_user(request, "Uw e-mailvoorkeur is opgeslagen.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:index"))


@admin.register(SentMail)
class SentMailAdmin(admin.ModelAdmin):
    list_display = ["kind", "user", "round", "sent_at"]
    list_filter = ["kind", "round"]
    list_select_related = ["user", "round"]
    date_hierarchy = "sent_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
