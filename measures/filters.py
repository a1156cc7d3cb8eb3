"""The one FilterSet behind the public list, every export and the report.

GET parameters are a public contract (shared URLs): actielijn, status, wie (repeatable), jaar,
planning, q, sort. Anything else is ignored; malformed values make the form invalid, and callers
then show the errors instead of guessing (see ``selectors.filter_public_activities``).
"""

from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef
from django.http import QueryDict

from actionlines.models import ActionLine

from .models import (
    RELEVANCE_TIEBREAK,
    Activity,
    ActivityActor,
    Actor,
    Status,
    only_stop_words,
    search_words,
)
from .page_cache import remember

MIN_YEAR = 2000
MAX_YEAR = 2100


class SortChoices:
    ACTION_LINE = "actielijn"
    RELEVANCE = "relevantie"
    TITLE = "titel"
    STATUS = "status"
    END = "eind"

    choices = [
        (ACTION_LINE, "Actielijn"),
        (RELEVANCE, "Relevantie (bij zoeken)"),
        (TITLE, "Titel (A-Z)"),
        (STATUS, "Status"),
        (END, "Einddatum"),
    ]

    orderings = {
        ACTION_LINE: ["action_line__number", "position"],
        TITLE: ["title", "pk"],
        STATUS: ["status__position", "action_line__number", "position"],
        END: [
            F("end_year").asc(nulls_last=True),
            F("end_quarter").asc(nulls_last=True),
            "action_line__number",
            "position",
        ],
    }


class YearField(forms.IntegerField):
    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            # Django's message leaves out what was given; ours names it.
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from error


NO_SEARCH_WORDS = (
    "Uw zoekopdracht bevat geen woorden waarop we kunnen zoeken. Gebruik letters of cijfers, "
    "bijvoorbeeld een woord uit de titel, de toelichting of de naam van een ministerie."
)


class SearchField(forms.CharField):
    def validate(self, value):
        super().validate(value)
        # Punctuation, an emoji or only words like "de" and "het": nothing to search for, so
        # say so rather than show every activity as if it matched.
        if value.strip():
            words = search_words(value)
            if not words or only_stop_words(words):
                raise forms.ValidationError(NO_SEARCH_WORDS, code="no_words")


class SearchFilter(django_filters.CharFilter):
    field_class = SearchField


class YearFilter(django_filters.NumberFilter):
    field_class = YearField


class ChoicesField(django_filters.fields.ModelMultipleChoiceField):
    def clean(self, value):
        # An empty value (`?status=`) chooses nothing, as an empty `jaar` or `q` does, rather
        # than being an unknown choice named "".
        return super().clean([given for given in value or [] if str(given).strip()])

    def _check_values(self, value) -> list:
        """The chosen objects, in the choices' order; an unknown value is an invalid choice.

        Looked up among all choices, read once per data version (action lines, statuses and
        actors are few), instead of one query per filter per request.
        """
        key = self.to_field_name or "pk"
        choices = remember(
            f"choices:{self.queryset.model._meta.label}:{key}",
            lambda: {str(getattr(choice, key)): choice for choice in self.queryset},
        )
        given = set()
        for chosen in value:
            self.validate_no_null_characters(chosen)
            if str(chosen) not in choices:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": chosen},
                )
            given.add(str(chosen))
        return [choice for value, choice in choices.items() if value in given]


class ActionLineChoiceField(ChoicesField):
    # Action line numbers are small; a longer number would overflow the database's integer.
    max_number = 32767

    def clean(self, value):
        for number in value or []:
            if not (str(number).isdecimal() and int(number) <= self.max_number):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": number},
                )
        return super().clean(value)

    def label_from_instance(self, action_line: ActionLine) -> str:
        return f"{action_line.number}. {action_line.title}"


class ActorChoiceField(ChoicesField):
    def label_from_instance(self, actor: Actor) -> str:
        return actor.code if actor.name == actor.code else f"{actor.code} – {actor.name}"


class ActionLineFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = ActionLineChoiceField


class ActorFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = ActorChoiceField


class StatusFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = ChoicesField


def unknown_choice(what: str, advice: str) -> dict[str, str]:
    """An error that names the value not understood (shared addresses get edited by hand).

    Pages show it after the field's label ("Status: „x” is geen bekende status. …").
    """
    return {"invalid_choice": f"„%(value)s” is {what}. {advice}"}


@dataclass(frozen=True)
class ActiveFilter:
    """One applied filter value, shown as a removable chip."""

    label: str
    value: str
    remove_query: str  # the query string without this value (and without a page number)


class ActivityFilterSet(django_filters.FilterSet):
    actielijn = ActionLineFilter(
        label="Actielijn",
        field_name="action_line__number",
        to_field_name="number",
        queryset=ActionLine.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        distinct=False,  # a foreign key: no duplicates to remove, and DISTINCT is not free
        error_messages=unknown_choice("geen bekende actielijn", "Kies een actielijn uit de lijst."),
    )
    status = StatusFilter(
        label="Status",
        field_name="status__code",
        to_field_name="code",
        queryset=Status.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
        error_messages=unknown_choice("geen bekende status", "Kies een status uit de lijst."),
    )
    wie = ActorFilter(
        label="Wie",
        to_field_name="code",
        queryset=Actor.objects.all(),
        method="filter_actors",
        widget=forms.CheckboxSelectMultiple,
        distinct=False,  # filter_actors uses Exists, which never duplicates
        error_messages=unknown_choice(
            "geen bekend ministerie of bekende organisatie", "Kies er een uit de lijst."
        ),
    )
    jaar = YearFilter(
        label="Jaar",
        method="filter_year",
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        help_text="Activiteiten die in dit jaar lopen, bijvoorbeeld 2025.",
        error_messages={
            "invalid": "„%(value)s” is geen jaartal. Vul een jaar in, bijvoorbeeld 2025.",
            "min_value": "%(value)s ligt te ver terug. Kies %(limit_value)s of later.",
            "max_value": "%(value)s ligt te ver vooruit. Kies %(limit_value)s of eerder.",
        },
    )
    q = SearchFilter(
        label="Zoeken",
        method="filter_search",
        max_length=200,
        help_text="Zoekt in de titel, de toelichting en wie (ministerie of organisatie).",
        error_messages={
            "max_length": (
                "De zoektekst is te lang (%(show_value)s tekens). Gebruik er hoogstens "
                "%(limit_value)s."
            ),
        },
    )
    planning = django_filters.ChoiceFilter(
        label="Planning",
        choices=[("verstreken", "Planning verstreken")],
        method="filter_planning",
        empty_label="Alle activiteiten",
        error_messages=unknown_choice("geen bekende keuze", "Kies „Planning verstreken” of niets."),
    )
    sort = django_filters.ChoiceFilter(
        label="Sorteren op",
        choices=SortChoices.choices,
        method="filter_sort",
        empty_label=None,
        error_messages=unknown_choice(
            "geen manier van sorteren", "Kies een volgorde uit de lijst."
        ),
    )

    class Meta:
        model = Activity
        fields = ["actielijn", "status", "wie", "jaar", "planning", "q", "sort"]

    def __init__(self, data=None, *args, **kwargs):
        # The parameters as given, for links that change one of them.
        self.params = data if data is not None else QueryDict()
        if data is not None and not data.get("sort"):
            # No explicit order: a search is ranked, anything else is in report order. Making
            # the default explicit also shows it as the selected option in the form.
            data = data.copy()
            searching = bool(data.get("q", "").strip())
            data["sort"] = SortChoices.RELEVANCE if searching else SortChoices.ACTION_LINE
        super().__init__(data, *args, **kwargs)

    def get_form_class(self):
        # django-filter builds a new form class, and a field for each filter, for every
        # FilterSet; the filters never change per request, so one class serves them all (each
        # form still gets its own copy of the fields).
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._form_class = form_class
        return form_class

    def applied_values(self) -> dict:
        """Cleaned values of the parameters the request gave (not the default sort order)."""
        return {
            name: value
            for name, value in self.form.cleaned_data.items()
            if any(given.strip() for given in self.params.getlist(name))
            and value not in (None, "")
            and not (hasattr(value, "__len__") and not len(value))
        }

    def filter_actors(self, queryset, name, actors):
        if not actors:  # an empty selection arrives as an empty queryset, not as "no value"
            return queryset
        # Exists instead of a join: an activity with two matching actors appears once.
        links = ActivityActor.objects.filter(activity=OuterRef("pk"), actor__in=actors)
        return queryset.filter(Exists(links))

    def filter_year(self, queryset, name, year):
        return queryset.covering_year(year)

    def filter_planning(self, queryset, name, value):
        # The public queryset carries the annotation (selectors.public_activities), so the
        # filter and the rows use the same peildatum.
        return queryset.filter(planning_expired=True)

    def filter_search(self, queryset, name, text):
        return queryset.search(text)

    def filter_sort(self, queryset, name, sort):
        if sort == SortChoices.RELEVANCE:
            if "search_rank" in queryset.query.annotations:
                return queryset.order_by("-search_rank", *RELEVANCE_TIEBREAK)
            sort = SortChoices.ACTION_LINE  # nothing to rank without a search
        return queryset.order_by(*SortChoices.orderings[sort])

    def checkbox_choices(self) -> dict[str, list[tuple[str, str]]]:
        """Value and label of every checkbox of the multiple-choice filters, as the form shows
        them. They change only with the data, so pages keep them per data version."""
        return {
            name: [(str(value), str(label)) for value, label in self.form.fields[name].choices]
            for name in ("actielijn", "status", "wie")
        }

    def active_filters(self) -> list[ActiveFilter]:
        """The valid filter values now applied, each with the query string that drops it."""
        if not self.is_valid():
            return []
        data = self.form.cleaned_data
        chips = []
        for name, key in (("actielijn", "number"), ("status", "code"), ("wie", "code")):
            field = self.form.fields[name]
            chosen = {str(getattr(obj, key)): field.label_from_instance(obj) for obj in data[name]}
            for value, label in chosen.items():
                others = [other for other in chosen if other != value]
                chips.append(self._chip(name, label, {name: others}))
        if data.get("planning"):
            chips.append(self._chip("planning", "Planning verstreken", {"planning": []}))
        if data.get("jaar") is not None:
            chips.append(self._chip("jaar", str(data["jaar"]), {"jaar": []}))
        if data.get("q"):
            chips.append(self._chip("q", f"“{data['q']}”", {"q": []}))
        return chips

    def _chip(self, name: str, value: str, replace: dict[str, list[str]]) -> ActiveFilter:
        remaining = self.params.copy()
        for key, values in replace.items():
            remaining.setlist(key, values)
        remaining.pop("page", None)
        return ActiveFilter(str(self.form.fields[name].label), value, remaining.urlencode())
