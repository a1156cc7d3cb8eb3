"""The one FilterSet behind the public list, every export and the report.

GET parameters are a public contract (shared URLs): actielijn, status, wie (repeatable), jaar,
q, sort. Anything else is ignored; malformed values make the form invalid, and callers then
show the errors instead of guessing (see ``selectors.filter_public_activities``).
"""

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef

from actionlines.models import ActionLine

from .models import Activity, ActivityActor, Actor, Status

MIN_YEAR = 2000
MAX_YEAR = 2100


class SortChoices:
    ACTION_LINE = "actielijn"
    TITLE = "titel"
    STATUS = "status"
    END = "eind"

    choices = [
        (ACTION_LINE, "Actielijn"),
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


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class ActivityFilterSet(django_filters.FilterSet):
    actielijn = django_filters.ModelMultipleChoiceFilter(
        label="Actielijn",
        field_name="action_line__number",
        to_field_name="number",
        queryset=ActionLine.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    status = django_filters.ModelMultipleChoiceFilter(
        label="Status",
        field_name="status__code",
        to_field_name="code",
        queryset=Status.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    wie = django_filters.ModelMultipleChoiceFilter(
        label="Wie",
        to_field_name="code",
        queryset=Actor.objects.all(),
        method="filter_actors",
        widget=forms.CheckboxSelectMultiple,
    )
    jaar = YearFilter(
        label="Jaar",
        method="filter_year",
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        help_text="Activiteiten die in dit jaar lopen.",
    )
    q = django_filters.CharFilter(label="Zoeken", method="filter_search", max_length=200)
    sort = django_filters.ChoiceFilter(
        label="Sorteren op",
        choices=SortChoices.choices,
        method="filter_sort",
        empty_label=None,
    )

    class Meta:
        model = Activity
        fields = ["actielijn", "status", "wie", "jaar", "q", "sort"]

    def filter_actors(self, queryset, name, actors):
        if not actors:  # an empty selection arrives as an empty queryset, not as "no value"
            return queryset
        # Exists instead of a join: an activity with two matching actors appears once.
        links = ActivityActor.objects.filter(activity=OuterRef("pk"), actor__in=actors)
        return queryset.filter(Exists(links))

    def filter_year(self, queryset, name, year):
        return queryset.covering_year(year)

    def filter_search(self, queryset, name, text):
        return queryset.search(text)

    def filter_sort(self, queryset, name, sort):
        return queryset.order_by(*SortChoices.orderings[sort])
