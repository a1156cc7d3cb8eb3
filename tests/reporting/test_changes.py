import datetime
import io
import itertools
import re

import pytest
from django.db.models import ProtectedError
from docx import Document
from docx.table import Table as DocxTable
from openpyxl import load_workbook

from measures.models import ActivityActor, Footnote
from reporting.documents.docx import render_docx
from reporting.models import ProgressReport
from reporting.selectors import report_changes, report_contents
from reporting.services import publish_report
from tests.factories import make_activity, make_actor
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


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def annex_rows(page: str, kind: str) -> list[list[str]]:
    """The rows of one kind's table in the changes annex, as the reader sees them."""
    part = page.split(f'id="wijzigingen-{kind}"', 1)[1]
    part = re.split(r"<h[1-6]", part, maxsplit=1)[0]
    return [
        [_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", part, re.S)
    ]


def counts_up_front(page: str) -> list[str]:
    block = page.split('<ul class="change-counts">', 1)[1].split("</ul>", 1)[0]
    return [_text(item) for item in re.findall(r"<li>(.*?)</li>", block, re.S)]


def test_the_first_report_has_nothing_to_compare_with(client, last_year):
    page = client.get(f"/rapportages/{last_year.slug}/wijzigingen/").text

    assert "Dit is de eerste gepubliceerde rapportage" in page
    assert 'class="change-counts"' not in page


def test_unchanged_data_gives_no_changes(client, last_year):
    report = new_report("dit-jaar", 1)
    publish_report(report)

    page = client.get(f"/rapportages/{report.slug}/wijzigingen/").text

    assert 'Vergeleken met <a href="/rapportages/vorig-jaar/">' in page
    assert "Er is niets veranderd." in page
    assert all(count.startswith("0 ") for count in counts_up_front(page))


@pytest.fixture
def every_kind_changed(last_year, nap, statuses):
    """One change of every kind since last year's report."""
    campaign, monitor, act4respect = nap["campaign"], nap["monitor"], nap["act4respect"]
    campaign.timeframe_label = "Q1 2025"  # re-planned
    campaign.apply_timeframe_label()
    campaign.save()
    ActivityActor.objects.filter(activity=campaign, actor__code="SZW").delete()
    ActivityActor.objects.create(activity=campaign, actor=make_actor("VWS"), position=9)
    Footnote.objects.filter(activity=campaign, text="Zie de evaluatie").update(
        text="Zie de eindevaluatie"
    )
    monitor.deviates_from_plan = True
    monitor.save()
    act4respect.status = statuses["afgerond"]
    act4respect.title = "Act4Respect (wetsvoorstel)"
    act4respect.explanation = "Het wetsvoorstel is aangenomen."
    act4respect.save()
    make_activity(action_line=monitor.action_line, status=statuses["loopt"], title="Meldpunt")
    make_activity(action_line=monitor.action_line, status=statuses["loopt"], title="Helpdesk")
    nap["hidden"].is_public = True  # "Intern overleg" becomes public: also new
    nap["hidden"].save()
    report = new_report("dit-jaar", 1)
    publish_report(report)
    return report


def test_every_kind_of_change_shows_with_old_and_new(client, every_kind_changed):
    page = client.get(f"/rapportages/{every_kind_changed.slug}/wijzigingen/").text

    assert annex_rows(page, "wanneer") == [
        ["Activiteit", "Actielijn", "Was", "Is nu"],
        ["Publiekscampagne", "1", "Q1 en Q3 2024", "Q1 2025"],
    ]
    assert annex_rows(page, "wie") == [
        ["Activiteit", "Actielijn", "Was", "Is nu"],
        ["Publiekscampagne", "1", "OCW , SZW en JenV", "OCW , JenV en VWS Erbij: VWS Eraf: SZW"],
    ]
    assert annex_rows(page, "status")[1:] == [
        ["Act4Respect (wetsvoorstel)", "2", "! Vertraagd", "✓ Afgerond"]
    ]
    assert annex_rows(page, "titel")[1:] == [
        ["Act4Respect (wetsvoorstel)", "2", "Act4Respect", "Act4Respect (wetsvoorstel)"]
    ]
    assert annex_rows(page, "afwijking")[1:] == [
        ["Publieksmonitor", "1", "volgens de planning", "wijkt af van de planning"]
    ]
    assert annex_rows(page, "voetnoten") == [
        ["Activiteit", "Actielijn", "Vervallen", "Toegevoegd"],
        ["Publiekscampagne", "1", "Zie de evaluatie", "Zie de eindevaluatie"],
    ]
    assert annex_rows(page, "nieuw")[1:] == [
        ["Meldpunt", "1", "→ Loopt"],
        ["Helpdesk", "1", "→ Loopt"],
        ["Intern overleg", "2", "→ Loopt"],
    ]
    rewrite = page.split('id="wijzigingen-toelichting"', 1)[1].split("<h", 1)[0]
    assert "Act4Respect (wetsvoorstel)" in rewrite
    assert '<ins><span class="visually-hidden">[nieuw: </span>is aangenomen.' in rewrite


def test_the_counts_come_first_one_per_kind(client, every_kind_changed, nap):
    page = client.get(f"/rapportages/{every_kind_changed.slug}/wijzigingen/").text

    assert "<strong>6</strong> activiteiten zijn veranderd" in page
    assert counts_up_front(page) == [
        "1 statuswijziging",
        "1 activiteit opnieuw gepland (Wanneer)",
        "1 wijziging in Wie",
        "1 wijziging in afwijking van de planning",
        "1 nieuwe titel",
        "1 toelichting herschreven",
        "1 wijziging in voetnoten",
        "3 nieuwe activiteiten",
        "0 niet meer opgenomen",
    ]


def test_new_and_removed_activities(client, last_year, nap, statuses):
    make_activity(
        action_line=nap["campaign"].action_line, status=statuses["loopt"], title="Meldpunt"
    )
    nap["monitor"].is_public = False
    nap["monitor"].save()
    nap["act4respect"].delete()
    report = new_report("dit-jaar", 1)

    page = client.get(f"/rapportages/{report.slug}/wijzigingen/", follow=True)

    assert page.status_code == 404  # a draft: not for the public
    changes = changes_of(report)
    assert [(c.title, c.text("new")) for c in changes.kinds[7].changes] == [("Meldpunt", "Loopt")]
    assert [(c.title, c.text("old")) for c in changes.kinds[8].changes] == [
        ("Publieksmonitor", "Nog niet gestart"),
        ("Act4Respect", "Vertraagd"),
    ]


def test_reflowed_text_and_reordered_actors_are_no_changes(client, last_year, nap):
    campaign = nap["campaign"]
    campaign.explanation = campaign.explanation.replace(" ", "\n", 2)
    campaign.save()
    ActivityActor.objects.filter(activity=campaign, actor__code="OCW").update(position=99)
    report = new_report("dit-jaar", 1)
    publish_report(report)

    page = client.get(f"/rapportages/{report.slug}/wijzigingen/").text

    assert "Er is niets veranderd." in page


def test_a_report_is_compared_with_the_latest_earlier_published_one(last_year, nap, statuses):
    nap["act4respect"].status = statuses["loopt"]
    nap["act4respect"].save()
    middle = new_report("tussenstand", 1)
    publish_report(middle)
    nap["act4respect"].status = statuses["afgerond"]
    nap["act4respect"].save()
    draft_after = new_report("dit-jaar", 2)

    changes = changes_of(draft_after)

    assert changes.older == middle
    assert [(c.text("old"), c.text("new")) for c in changes.changes] == [("Loopt", "Afgerond")]
    assert changes_of(middle).older == last_year


def changes_annex(client, report: ProgressReport) -> tuple[str, list[tuple]]:
    """What a reader gets of the changes: the page's content and the workbook's sheet."""
    page = client.get(f"/rapportages/{report.slug}/wijzigingen/")
    assert page.status_code == 200
    content = page.text.split("<main", 1)[1].split("</main>", 1)[0]
    run_queued_jobs(["xlsx"])  # a published report's workbook is made by the worker
    workbook = client.get(f"/rapportages/{report.slug}.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(workbook.streaming_content)))["Wijzigingen"]
    return content, list(sheet.iter_rows(values_only=True))


def test_the_workbook_lists_every_change_and_the_counts(client, every_kind_changed):
    run_queued_jobs(["xlsx"])  # a published report's workbook is made by the worker
    workbook = client.get(f"/rapportages/{every_kind_changed.slug}.xlsx")
    book = load_workbook(io.BytesIO(b"".join(workbook.streaming_content)))

    rows = list(book["Wijzigingen"].iter_rows(values_only=True))
    assert (
        "Wanneer gewijzigd",
        "Actielijn 1",
        "Publiekscampagne",
        "Q1 en Q3 2024",
        "Q1 2025",
    ) in rows
    assert (
        "Wie gewijzigd",
        "Actielijn 1",
        "Publiekscampagne",
        "OCW, SZW en JenV",
        "OCW, JenV en VWS",
    ) in rows
    assert [row[0] for row in rows[1:]] == [
        "Status gewijzigd",
        "Wanneer gewijzigd",
        "Wie gewijzigd",
        "Afwijking van de planning gewijzigd",
        "Titel gewijzigd",
        "Toelichting herschreven",
        "Voetnoten gewijzigd",
        "Nieuw",
        "Nieuw",
        "Nieuw",
    ]
    counts = dict(list(book["Wijzigingen in aantallen"].iter_rows(values_only=True))[1:])
    assert counts["Activiteiten met een wijziging"] == 6
    assert counts["Wanneer: opnieuw gepland"] == 1
    assert counts["Nieuwe activiteiten"] == 3


def test_the_word_document_lists_a_replanned_wanneer_and_a_changed_wie(every_kind_changed):
    document = Document(io.BytesIO(render_docx(every_kind_changed)))

    body = list(document.iter_inner_content())
    tables = {}
    for before, block in itertools.pairwise(body):
        if isinstance(block, DocxTable) and not isinstance(before, DocxTable):
            tables[before.text] = [[cell.text for cell in row.cells] for row in block.rows]
    assert tables["Wanneer: opnieuw gepland"] == [
        ["Activiteit", "Actielijn", "Was", "Is nu"],
        ["Publiekscampagne", "1", "Q1 en Q3 2024", "Q1 2025"],
    ]
    assert tables["Wie: andere verantwoordelijken"][1] == [
        "Publiekscampagne",
        "1",
        "OCW, SZW en JenV",
        "OCW, JenV en VWS\nErbij: VWS\nEraf: SZW",
    ]
    paragraphs = [p.text for p in document.paragraphs]
    assert "1 activiteit opnieuw gepland (Wanneer)" in paragraphs
    assert "3 nieuwe activiteiten" in paragraphs


def test_the_pdf_lists_a_replanned_wanneer(every_kind_changed):
    pytest.importorskip("weasyprint")
    from pypdf import PdfReader

    from reporting.documents.pdf import render_pdf

    reader = PdfReader(io.BytesIO(render_pdf(every_kind_changed)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)

    annex = text.split("Wanneer: opnieuw gepland", 1)[1]
    assert "Publiekscampagne 1 Q1 en Q3 2024 Q1 2025" in annex
    assert "1 activiteit opnieuw gepland (Wanneer)" in text


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


def test_the_changes_are_stored_at_publication(client, monkeypatch, last_year, nap, statuses):
    nap["act4respect"].status = statuses["afgerond"]
    nap["act4respect"].save()
    this_year = new_report("dit-jaar", 1)
    publish_report(this_year)
    published = changes_annex(client, this_year)
    assert "Act4Respect" in published[0]

    # The comparison changes afterwards (a new version of the site): what was published stays.
    monkeypatch.setattr("reporting.selectors.compare_snapshots", lambda older, newer: [])

    assert changes_annex(client, this_year) == published
    document = Document(io.BytesIO(render_docx(this_year)))
    assert "1 statuswijziging" in [p.text for p in document.paragraphs]
    # A draft compares now, with the new comparison.
    draft_page = changes_of(new_report("concept", 2))
    assert not draft_page.has_changes
