import pytest
from django.http import QueryDict

from measures.selectors import filter_public_activities, reference_date
from tests.factories import make_action_line, make_activity


@pytest.fixture
def activities(action_line, status, closed_status, ocw, szw):
    make_action_line(3)  # so that an action line's number differs from its primary key
    second_line = make_action_line(2)
    return {
        "campaign": make_activity(
            action_line=action_line,
            status=status,
            actors=(ocw, szw),
            title="Publiekscampagne",
            timeframe_label="Q1 en Q3 2024",
        ),
        "monitor": make_activity(
            action_line=action_line,
            status=closed_status,
            actors=(ocw,),
            title="Publieksmonitor",
            timeframe_label="2023-2025",
        ),
        "law": make_activity(
            action_line=second_line,
            status=status,
            actors=(szw,),
            title="Wettelijke verplichting gedragscode",
            explanation="Het wetsvoorstel gaat naar de Raad van State.",
            timeframe_label="2025",
        ),
        "hidden": make_activity(
            action_line=second_line, status=status, actors=(szw,), is_public=False
        ),
    }


def titles(query: str) -> list[str]:
    _filterset, rows = filter_public_activities(QueryDict(query))
    return [activity.title for activity in rows]


def test_without_filters_every_public_activity_shows_in_report_order(activities):
    assert titles("") == [
        "Publiekscampagne",
        "Publieksmonitor",
        "Wettelijke verplichting gedragscode",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("actielijn=2", ["Wettelijke verplichting gedragscode"]),
        (
            "actielijn=1&actielijn=2",
            ["Publiekscampagne", "Publieksmonitor", "Wettelijke verplichting gedragscode"],
        ),
        ("status=afgerond", ["Publieksmonitor"]),
        ("wie=OCW", ["Publiekscampagne", "Publieksmonitor"]),
        (
            "wie=OCW&wie=SZW",
            ["Publiekscampagne", "Publieksmonitor", "Wettelijke verplichting gedragscode"],
        ),
        ("jaar=2025", ["Publieksmonitor", "Wettelijke verplichting gedragscode"]),
        ("q=raad van state", ["Wettelijke verplichting gedragscode"]),
        ("q=publieks&status=loopt", ["Publiekscampagne"]),
        (
            "sort=titel",
            ["Publiekscampagne", "Publieksmonitor", "Wettelijke verplichting gedragscode"],
        ),
        (
            "sort=eind",
            ["Publiekscampagne", "Publieksmonitor", "Wettelijke verplichting gedragscode"],
        ),
        (
            "sort=status",
            ["Publiekscampagne", "Wettelijke verplichting gedragscode", "Publieksmonitor"],
        ),
    ],
)
def test_each_filter_narrows_the_list(activities, query, expected):
    assert titles(query) == expected


@pytest.mark.parametrize(
    "query",
    [
        "jaar=abc",
        "jaar=2024.5",
        "jaar=99999",
        "status=nope",
        "actielijn=x",
        "wie=XYZ",
        "sort=pk",
        "q=" + "x" * 500,
    ],
)
def test_junk_parameters_make_the_form_invalid_instead_of_guessing(activities, query):
    filterset, rows = filter_public_activities(QueryDict(query))

    assert not filterset.is_valid()
    assert list(rows) == []


def test_unknown_parameters_are_ignored(activities):
    assert len(titles("utm_source=nieuwsbrief")) == 3


def test_reference_date_is_the_latest_public_update(activities):
    hidden = activities["hidden"]
    hidden.updated_at = hidden.updated_at.replace(year=2030)
    hidden.save()

    assert reference_date() == activities["law"].updated_at.date()
