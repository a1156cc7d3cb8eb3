import datetime
import io

import pytest
from django.db.models import ProtectedError
from openpyxl import load_workbook

from reporting.models import ProgressReport
from reporting.selectors import report_changes, report_contents
from reporting.services import publish_report
from tests.factories import make_activity
from tests.reporting.documents import run_queued_jobs


def new_report(slug: str, days_later: int) -> ProgressReport:
    return ProgressReport.objects.create(
        title=f"Rapportage {slug}",
        slug=slug,
        reference_date=datetime.date.today() + datetime.timedelta(days=days_later),
    )


@pytest.fixture
def last_year(nap):
    report = new_report("vorig-jaar", 0)
    publish_report(report)
    return report


def changes_of(report: ProgressReport):
    return report_changes(report_contents(report))


def test_the_first_report_has_nothing_to_compare_with(last_year):
    changes = changes_of(last_year)

    assert changes.previous is None
    assert not changes.has_changes


def test_unchanged_data_gives_no_changes(last_year):
    changes = changes_of(new_report("dit-jaar", 1))

    assert changes.previous == last_year
    assert not changes.has_changes


def test_a_status_change_shows_from_and_to_under_its_action_line(last_year, nap, statuses):
    nap["act4respect"].status = statuses["afgerond"]
    nap["act4respect"].save()
    report = new_report("dit-jaar", 1)
    publish_report(report)

    changes = changes_of(report)

    assert [
        (
            s.number,
            [
                (c.entry.title, c.previous_status.label, c.entry.status.label)
                for c in s.status_changes
            ],
        )
        for s in changes.sections
    ] == [(2, [("Act4Respect", "Vertraagd", "Afgerond")])]
    assert not (changes.added or changes.removed or changes.rewritten)


def test_new_and_removed_activities(last_year, nap, statuses):
    fresh = make_activity(
        action_line=nap["campaign"].action_line, status=statuses["loopt"], title="Meldpunt"
    )
    nap["monitor"].is_public = False
    nap["monitor"].save()
    nap["act4respect"].delete()

    changes = changes_of(new_report("dit-jaar", 1))

    assert [entry.title for entry in changes.added] == [fresh.title]
    assert [entry.title for entry in changes.removed] == ["Publieksmonitor", "Act4Respect"]
    assert [entry.status.label for entry in changes.removed] == ["Nog niet gestart", "Vertraagd"]
    assert not changes.status_changes


def test_a_rewritten_explanation_shows_what_was_removed_and_added(last_year, nap):
    nap["monitor"].explanation = "De eerste meting is in 2025 gedaan[^1]."
    nap["monitor"].save()

    changes = changes_of(new_report("dit-jaar", 1))

    [rewrite] = changes.rewritten
    assert rewrite.entry.title == "Publieksmonitor"
    assert rewrite.word_diff == [
        ("same", "De eerste meting"),
        ("removed", "volgt[1]."),
        ("added", "is in 2025 gedaan[1]."),
    ]


def test_reflowed_text_and_renames_are_not_reported_as_changes(last_year, nap):
    nap["campaign"].explanation = nap["campaign"].explanation.replace(" ", "\n", 2)
    nap["campaign"].title = "Landelijke publiekscampagne"
    nap["campaign"].save()

    changes = changes_of(new_report("dit-jaar", 1))

    assert not changes.has_changes


def test_a_report_is_compared_with_the_latest_earlier_published_one(last_year, nap, statuses):
    nap["act4respect"].status = statuses["loopt"]
    nap["act4respect"].save()
    middle = new_report("tussenstand", 1)
    publish_report(middle)
    nap["act4respect"].status = statuses["afgerond"]
    nap["act4respect"].save()
    draft_after = new_report("dit-jaar", 2)

    changes = changes_of(draft_after)

    assert changes.previous == middle
    assert [(c.previous_status.label, c.entry.status.label) for c in changes.status_changes] == [
        ("Loopt", "Afgerond")
    ]
    assert changes_of(middle).previous == last_year


def test_the_changes_page_counts_every_kind_up_front(client, last_year, nap, statuses):
    nap["act4respect"].status = statuses["afgerond"]
    nap["act4respect"].save()
    nap["monitor"].delete()
    make_activity(action_line=nap["campaign"].action_line, status=statuses["loopt"])
    make_activity(action_line=nap["campaign"].action_line, status=statuses["loopt"])
    nap["campaign"].explanation = "Nieuwe tekst."
    nap["campaign"].save()
    report = new_report("dit-jaar", 1)
    publish_report(report)

    page = client.get(f"/rapportages/{report.slug}/wijzigingen/").text

    assert "<strong>1</strong> statuswijziging<" in page
    assert "<strong>2</strong> nieuwe activiteiten<" in page
    assert "<strong>1</strong> niet meer opgenomen<" in page
    assert "<strong>1</strong> toelichting herschreven<" in page
    assert "Actielijn 2: Wet- en regelgeving weerspiegelen de normen</caption>" in page
    assert '<del><span class="visually-hidden">[vervallen: </span>' in page


def changes_annex(client, report: ProgressReport) -> tuple[str, list[tuple]]:
    """What a reader gets of the changes: the page's content and the workbook's sheet."""
    page = client.get(f"/rapportages/{report.slug}/wijzigingen/")
    assert page.status_code == 200
    content = page.text.split("<main", 1)[1].split("</main>", 1)[0]
    run_queued_jobs(["xlsx"])  # a published report's workbook is made by the worker
    workbook = client.get(f"/rapportages/{report.slug}.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(workbook.streaming_content)))["Wijzigingen"]
    return content, list(sheet.iter_rows(values_only=True))


def test_a_published_reports_changes_stay_as_published(client, last_year, nap, statuses):
    nap["act4respect"].status = statuses["afgerond"]
    nap["act4respect"].save()
    this_year = new_report("dit-jaar", 2)
    publish_report(this_year)
    page, sheet = changes_annex(client, this_year)
    assert 'Vergeleken met <a href="/rapportages/vorig-jaar/">' in page
    assert sheet[1][:5] == (
        "Status gewijzigd",
        "Actielijn 2",
        "Act4Respect",
        "Vertraagd",
        "Afgerond",
    )

    # A report for a peildatum in between, published afterwards, with other data.
    nap["monitor"].delete()
    in_between = new_report("tussenstand", 1)
    publish_report(in_between)

    assert changes_annex(client, this_year) == (page, sheet)
    # The report it was compared with is kept: deleting it would rewrite this one's changes.
    with pytest.raises(ProtectedError):
        last_year.delete()
    assert changes_annex(client, this_year) == (page, sheet)
