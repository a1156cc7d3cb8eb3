"""The shipped data: every row of the 2025 report's annex, clean and complete."""

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from actionlines.models import ActionLine
from measures.models import Activity, Footnote, Status
from measures.timeframes import parse_timeframe

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PROVENANCE = (FIXTURES / "README.md").read_text(encoding="utf-8")

# OCR errors fixed by hand in the fixture; none may come back.
OCR_JUNK = [
    r"Kamerstukken (Il|11)\b",
    r"[I|]hbti",
    r"\blhbtig\+",
    r"geévalueerd",
    r"creéren",
    r"gelipdatet",
    r"ActdRespect",
    r"lJssel",
    r"\bledereen\b",
    r"geinformeerd",
    r"geimplementeerd",
    r"coérdinatie",
    r"\bInjuni\b",
    r"sighalering",
    r"\bcC\b",
    r"\boo\b",
    r"t_TI",
    r"_l\b",
    r"t;l",
    r"\\'II",
]
# Page furniture and the legend: words that stood alone in the OCR'd table.
FURNITURE = re.compile(
    r"(?m)^\s*(Activiteit|Status|Wanneer|Wie|Toelichting|Nog niet begonnen|[—=_,;|/'‘’«]+)\s*$"
)
PAGE_HEADER = re.compile(r"Actielijn [1-5] (Er zijn|Wet- en|Organisaties|Iedereen|ledereen)")
MARKER = re.compile(r"\[\^(\d+)\]")
# Rows the report printed without a "Wanneer", as listed in the provenance.
WITHOUT_TIMEFRAME = set(
    re.findall(
        r"(?m)^- `([a-z0-9-]+)`",
        PROVENANCE.split("## Rows printed without a timeframe")[1].split("\n## ")[0],
    )
)


@pytest.fixture(scope="module")
def loaded_once(django_db_setup, django_db_blocker):
    """The fixture loaded once for this module (loading takes seconds), inside a transaction
    that is rolled back afterwards. Each test runs in a savepoint within it, as in Django's
    TestCase.setUpTestData, so the tests here only read."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddata", str(FIXTURES / "nap_2025.json"), verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def nap(loaded_once, db):
    return list(Activity.objects.with_related())


def test_the_fixture_loads_into_an_empty_database_with_all_five_action_lines(nap):
    assert list(ActionLine.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5]
    assert set(Status.objects.values_list("code", flat=True)) >= {
        "nog-niet-gestart",
        "loopt",
        "vertraagd",
        "afgerond",
        "doorlopend",
        "niet-voortgezet",
    }
    for action_line in ActionLine.objects.all():
        assert action_line.activities.exists(), action_line


def test_every_activity_is_complete(nap):
    for activity in nap:
        assert activity.title.strip(), activity.slug
        assert activity.explanation.strip(), activity.slug
        assert activity.status_id, activity.slug
        assert activity.ordered_actors, activity.slug
        assert activity.timeframe_label or activity.slug in WITHOUT_TIMEFRAME, activity.slug


def test_every_timeframe_parses_or_is_recorded_as_unreadable(nap):
    for activity in nap:
        if not parse_timeframe(activity.timeframe_label).parsed:
            assert f"`{activity.timeframe_label}`" in PROVENANCE, activity.slug


def test_footnote_markers_and_footnotes_match_one_to_one(nap):
    for activity in nap:
        markers = [int(n) for n in MARKER.findall(activity.explanation)]
        numbers = [footnote.number for footnote in activity.footnotes.all()]
        assert sorted(set(markers)) == sorted(numbers), activity.slug


def test_footnotes_are_numbered_continuously_through_the_report(nap):
    numbers = sorted(Footnote.objects.values_list("number", flat=True))

    # Footnote 1 sits in the covering letter, not in the annex (see the provenance).
    assert numbers == list(range(2, len(numbers) + 2))


def test_footnote_links_are_real_urls(nap):
    for footnote in Footnote.objects.exclude(url=""):
        assert re.fullmatch(r"https?://[^\s]+[^.\s]", footnote.url), footnote.url


def test_no_ocr_junk_page_furniture_or_broken_hyphenation_remains(nap):
    texts = [
        (activity.slug, field, value)
        for activity in nap
        for field, value in (("title", activity.title), ("explanation", activity.explanation))
    ] + [
        (footnote.activity.slug, "footnote", footnote.text)
        for footnote in Footnote.objects.select_related("activity")
    ]
    for slug, field, text in texts:
        for pattern in OCR_JUNK:
            assert not re.search(pattern, text), (slug, field, pattern)
        assert not FURNITURE.search(text), (slug, field, FURNITURE.search(text).group())
        assert not PAGE_HEADER.search(text), (slug, field)
        # A word broken across a line ("gesprek-\nken") must have been joined.
        assert not re.search(r"[a-zë]-\n[a-z]", text), (slug, field)


def test_every_status_is_justified_in_the_provenance(nap):
    for activity in nap:
        assert activity.slug in PROVENANCE, activity.slug


# The four blocks of text that open a page of the annex with no title, status, Wanneer or Wie
# beside them: (first words as printed, the row printed just above, the inferred title).
# The provenance's rule: each is an activity of its own, not the row above running on.
PAGE_TOP_BLOCKS = [
    (
        "In 2024 is de tweede serie van de podcast",
        "jaarlijkse-conferentie-nap",
        "Podcast ‘Alles op Tafel’",
    ),
    (
        "Er is een onderzoek gedaan naar een veilige en integere sport.",
        "inzetten-op-veilige-sport",
        "Onderzoek naar een veilige en integere sport",
    ),
    (
        "Op 8 juni 2023 heeft de Tweede Kamer de integrale aanpak",
        "bestuursakkoord-over-sociale-veiligheid-in-hoger-onderwijs-en-de-wetenschap",
        "Integrale aanpak sociale veiligheid in het hoger onderwijs en wetenschap",
    ),
    (
        "Tijdens het commissiedebat Integrale aanpak seksueel grensoverschrijdend gedrag",
        "veilige-kerk",
        "Onderzoek omgang met seksueel misbruik en aangiftebereidheid binnen religieuze "
        "gemeenschappen",
    ),
]


@pytest.mark.parametrize(
    ("opening", "row_above", "title"),
    PAGE_TOP_BLOCKS,
    ids=["podcast", "sport-research", "integrale-aanpak-ho", "wodc-study"],
)
def test_an_untitled_block_at_a_page_top_is_an_activity_of_its_own(nap, opening, row_above, title):
    above = next(activity for activity in nap if activity.slug == row_above)
    [block] = [activity for activity in nap if activity.explanation.startswith(opening)]

    assert opening not in above.explanation
    assert block.title == title
    assert (block.action_line_id, block.position) == (above.action_line_id, above.position + 1)
    inferred = PROVENANCE.split("**Inferred titles**")[1].split("\n- **")[0]
    assert f"`{block.slug}`" in inferred


def test_positions_run_on_without_gaps_in_printed_order_per_action_line(nap):
    # The fixture lists the rows as printed; positions must follow that order, 1, 2, 3, ...
    records = json.loads((FIXTURES / "nap_2025.json").read_text(encoding="utf-8"))
    for action_line in ActionLine.objects.all():
        printed = [
            record["fields"]["slug"]
            for record in records
            if record["model"] == "measures.activity"
            and record["fields"]["action_line"] == [action_line.number]
        ]
        rows = action_line.activities.order_by("position").values_list("position", "slug")
        assert list(rows) == list(enumerate(printed, start=1)), action_line.number


def test_the_provenance_counts_the_activities_per_action_line(nap):
    for action_line in ActionLine.objects.all():
        row = re.search(rf"(?m)^\| {action_line.number}\. [^|]+\| (\d+) \|", PROVENANCE)
        assert int(row.group(1)) == action_line.activities.count(), action_line.number
    total = re.search(r"\| \*\*Total\*\* \| \*\*(\d+)\*\* \|", PROVENANCE)
    assert int(total.group(1)) == len(nap)


def status_of(nap, slug):
    activity = next(activity for activity in nap if activity.slug == slug)
    return activity.status.code, activity.deviates_from_plan


def test_veilige_kerk_runs_as_planned_and_the_delayed_wodc_study_is_its_own_row(nap):
    # The only delay the text reports is the WODC study's, which is a row of its own.
    wodc = next(activity for activity in nap if "WODC" in activity.explanation)

    assert status_of(nap, "veilige-kerk") == ("loopt", False)
    assert status_of(nap, wodc.slug) == ("vertraagd", True)


def test_inzetten_op_veilige_sport_is_not_done_while_the_ministry_still_wants_to_invest(nap):
    # "Ook wil het ministerie van VWS ... extra in zetten": not yet carried out, so not afgerond.
    assert status_of(nap, "inzetten-op-veilige-sport") == ("loopt", False)


def test_footnote_20_links_nothing_because_the_report_prints_only_a_domain(nap):
    footnote = Footnote.objects.get(number=20)

    assert footnote.url == ""
    assert footnote.text == (
        "Integrale aanpak sociale veiligheid in hoger onderwijs en de wetenschap (2023) "
        "rijksoverheid.nl."
    )
