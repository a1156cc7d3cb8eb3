"""Search: Dutch full-text search on PostgreSQL, a simple fallback elsewhere."""

import re

import pytest
from django.db import connection

from measures.models import Activity, ActivityActor, search_words
from tests.factories import make_activity

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search"
)
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite fallback")


@pytest.fixture
def make(action_line, status):
    def make(title, explanation="Geen bijzonderheden.", **fields):
        fields = {"action_line": action_line, "status": status, **fields}
        return make_activity(title=title, explanation=explanation, **fields)

    return make


def found(text: str) -> list[str]:
    return [activity.title for activity in Activity.objects.published().search(text)]


def test_search_words_keep_letters_and_digits_only():
    assert search_words("  Act4Respect: 'geëvalueerd' & -- 2024!*") == [
        "Act4Respect",
        "geëvalueerd",
        "2024",
    ]
    assert search_words("!!&&||") == []
    assert len(search_words("woord " * 100)) == 12


def test_an_empty_search_changes_nothing(make):
    make("Een")
    make("Twee")

    assert found("  ") == ["Een", "Twee"]
    assert found("&&") == ["Een", "Twee"]


def test_every_word_must_match_somewhere(make):
    make("Campagne tegen intimidatie", explanation="Landelijk in 2024.")
    make("Campagne in de sport", explanation="Regionaal.")

    assert found("campagne landelijk") == ["Campagne tegen intimidatie"]


def test_a_title_match_ranks_above_an_explanation_match(make):
    make("Monitor", explanation="Volgt de campagne.")
    make("Campagne", explanation="Landelijk.")

    assert found("campagne") == ["Campagne", "Monitor"]


def test_search_combines_with_other_filters_and_visibility(make, closed_status):
    make("Campagne verborgen", is_public=False)
    make("Campagne afgerond", status=closed_status)
    make("Campagne loopt")

    results = Activity.objects.published().filter(status__code="loopt").search("campagne")

    assert [a.title for a in results] == ["Campagne loopt"]


@on_postgresql
def test_dutch_stemming_finds_other_forms_of_a_word(make):
    make("Maatregelen tegen seksueel geweld")
    make("Voorlichting", explanation="Scholen krijgen lesmateriaal.")

    assert found("maatregel") == ["Maatregelen tegen seksueel geweld"]
    assert found("school") == ["Voorlichting"]


@on_postgresql
def test_the_last_word_may_be_the_start_of_a_longer_word(make):
    make("Publiekscampagne")

    assert found("publieks") == ["Publiekscampagne"]


@on_postgresql
def test_query_syntax_in_the_input_is_harmless(make):
    make("Campagne")

    for text in ["campagne:*", "campagne & !", "'campagne'", "campagne |", "(campagne", "\\"]:
        assert found(text) == ["Campagne"], text


@on_postgresql
def test_the_ranking_uses_the_weights_not_zero(make):
    make("Campagne", explanation="Campagne en nog eens campagne.")

    ranks = list(Activity.objects.search("campagne").values_list("search_rank", flat=True))

    assert ranks and ranks[0] > 0


@on_postgresql
def test_the_search_can_use_the_gin_index(make):
    make("Campagne")
    query = Activity.objects.search("campagne").values("pk")
    sql, params = query.query.sql_with_params()

    with connection.cursor() as cursor:
        # With sequential and plain index scans off, the planner reads the activities through
        # a bitmap scan, and it has only the GIN index to make one from, unless the search's
        # condition cannot use it. (Only enable_seqscan off lets it prefer a full index scan of
        # the primary key when its statistics, left by other tests, say the table is empty.)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "activity_search_gin" in plan


@on_postgresql
def test_the_search_document_follows_every_edit(make):
    activity = make("Voorlichting")
    assert found("campagne") == []

    activity.title = "Campagne"
    activity.save()

    assert found("campagne") == ["Campagne"]


@on_postgresql
def test_a_search_works_inside_a_subquery(make):
    make("Campagne")
    make("Monitor")
    matches = Activity.objects.search("campagne").values("pk")

    assert [a.title for a in Activity.objects.filter(pk__in=matches)] == ["Campagne"]


@on_sqlite
def test_the_fallback_is_case_insensitive_containment(make):
    make("Publiekscampagne", explanation="Over de RAAD van state.")

    assert found("PUBLIEKS") == ["Publiekscampagne"]
    assert found("raad state") == ["Publiekscampagne"]


# Searching Wie, the excerpt, whole words, and queries without words --------------------------


def test_wie_codes_and_names_are_searched(make, ocw, szw):
    make("Campagne", actors=(ocw,))
    make("Monitor", actors=(szw,))
    make("Over OCW in de tekst", explanation="OCW betaalt.")

    assert found("OCW") == ["Over OCW in de tekst", "Campagne"]
    assert found("Werkgelegenheid") == ["Monitor"]
    assert found("campagne ocw") == ["Campagne"]


def test_the_search_follows_changes_in_wie(make, ocw, szw):
    activity = make("Campagne", actors=(ocw,))
    assert found("SZW") == []

    ActivityActor.objects.create(activity=activity, actor=szw, position=1)
    assert found("SZW") == ["Campagne"]

    szw.name = "Ministerie van Arbeid"
    szw.save()
    assert found("arbeid") == ["Campagne"]

    activity.actor_links.filter(actor=szw).delete()
    assert found("SZW") == []


def test_the_list_shows_an_escaped_excerpt_with_the_words_marked(client, make):
    make(
        "Voorlichting",
        explanation="Scholen krijgen <script>alert(1)</script> nieuw lesmateriaal.[^1]",
    )

    page = client.get("/activiteiten/", {"q": "lesmateriaal"}).content.decode()

    excerpt = re.search(r'<p class="activity-card__excerpt">(.*?)</p>', page, re.S).group(1)
    assert "<mark>lesmateriaal</mark>" in excerpt
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in excerpt
    assert "<script>" not in excerpt and "[^1]" not in excerpt


@on_postgresql
def test_a_whole_word_ranks_above_a_longer_word_it_starts(make):
    make("Wetenschappelijk onderzoek naar geweld")
    make("Een nieuwe wet tegen geweld")

    assert found("wet") == ["Een nieuwe wet tegen geweld", "Wetenschappelijk onderzoek naar geweld"]


@pytest.mark.parametrize("text", ["%", "😀", "&& --", "de het"])
def test_a_search_without_words_says_so(client, make, text):
    if text == "de het" and connection.vendor != "postgresql":
        pytest.skip("stop words are a PostgreSQL full-text search notion")
    make("Campagne")

    response = client.get("/activiteiten/", {"q": text})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Uw zoekopdracht bevat geen woorden waarop we kunnen zoeken." in page
    assert "Campagne" not in page
