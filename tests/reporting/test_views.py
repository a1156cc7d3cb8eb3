import datetime
import io
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from measures.models import Status
from reporting.models import ProgressReport
from reporting.services import publish_report
from tests.factories import make_action_line, make_activity, make_actor
from tests.reporting.documents import run_queued_jobs


@pytest.fixture
def published(nap, draft):
    publish_report(draft)
    return draft


@pytest.fixture
def staff_client(client, db):
    user = User.objects.create_user("beleid", password="geheim-wachtwoord", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_progressreport"))
    client.force_login(user)
    return client


def test_the_list_shows_published_reports_to_everyone(client, published):
    page = client.get("/rapportages/").text

    assert "Voortgangsrapportage NAP 2025" in page
    assert f'href="/rapportages/{published.slug}.pdf"' in page


def test_drafts_are_only_for_staff(client, staff_client, nap, draft):
    anonymous = Client()
    assert "Voortgangsrapportage NAP 2025" not in anonymous.get("/rapportages/").text
    for url in ("/", ".pdf", ".xlsx", "/wijzigingen/"):
        assert anonymous.get(f"/rapportages/{draft.slug}{url}").status_code == 404

    page = staff_client.get(f"/rapportages/{draft.slug}/").text
    assert "Concept." in page
    assert "Publiekscampagne" in page


def test_the_report_has_the_layout_of_the_annex(client, published):
    page = client.get(published.get_absolute_url()).text

    assert "<h1>Voortgangsrapportage NAP 2025</h1>" in page
    assert "Stand van zaken per" in page
    assert "Dit is de inleiding." in page
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", page)
    assert headings == [
        "Inhoud",
        "Inleiding",
        "Stand van zaken in beeld",
        "Samenvatting",
        "Statuslegenda",
        "Actielijn 1: Er zijn gedeelde maatschappelijke waarden en normen",
        "Actielijn 2: Wet- en regelgeving weerspiegelen de normen",
        "Bijlage: wat is er veranderd",
    ]
    columns = re.findall(r'<th scope="col" class="annex__\w+">(\w+)</th>', page)
    assert columns[:5] == ["Activiteit", "Status", "Wanneer", "Wie", "Toelichting"]
    assert '<th scope="row">Publiekscampagne</th>' in page
    assert '<abbr title="Ministerie van Sociale Zaken en Werkgelegenheid">SZW</abbr> en ' in page
    assert "Intern overleg" not in page


# A footnote's anchor and its printed number (in the markup: WeasyPrint ignores <li value>).
FOOTNOTE_ITEM = r'<li id="voetnoot-(\d+)"><span class="footnote-number">(\d+)\.</span>'


def test_footnotes_are_numbered_continuously_through_the_report(client, published):
    page = client.get(published.get_absolute_url()).text

    # The monitor's own footnote 1 is the report's third footnote.
    assert re.findall(FOOTNOTE_ITEM, page) == [("1", "1"), ("2", "2"), ("3", "3")]
    assert 'volgt<sup class="footnote-ref"><a href="#voetnoot-3" id="voetnoot-3-ref-1">' in page
    assert (
        '<li id="voetnoot-3"><span class="footnote-number">3.</span> '
        "Kamerstukken II 2024/25, 34843, nr. 110"
    ) in page


def test_printed_footnote_numbers_that_run_on_are_kept(client, nap, draft):
    # As in the 2025 annex: its footnotes start at 2, footnote 1 being in the covering letter.
    campaign, monitor = nap["campaign"], nap["monitor"]
    campaign.footnotes.filter(number=2).update(number=3)
    campaign.footnotes.filter(number=1).update(number=2)
    monitor.footnotes.update(number=4)
    campaign.explanation = "De campagne liep in 2024[^2].\n\nZij wordt geëvalueerd[^3]."
    campaign.save()
    monitor.explanation = "De eerste meting volgt[^4]."
    monitor.save()
    publish_report(draft)

    page = client.get(draft.get_absolute_url()).text

    assert re.findall(FOOTNOTE_ITEM, page) == [("2", "2"), ("3", "3"), ("4", "4")]
    assert 'volgt<sup class="footnote-ref"><a href="#voetnoot-4" id="voetnoot-4-ref-1">' in page


def test_the_summary_counts_statuses_per_action_line_and_the_legend_defines_them(client, published):
    page = client.get(published.get_absolute_url()).text

    summary = page[page.index('class="summary"') : page.index("</table>", page.index("summary"))]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</th>(.*?)</tr>", summary, re.S)
    counts = {
        re.sub("<[^>]+>", "", label): re.findall(r"<td>(\d+)</td>", cells) for label, cells in rows
    }
    # Legend order: nog niet gestart, loopt, vertraagd, afgerond; then the total, then
    # "planning verstreken" at the peildatum (the campaign's "Q1 en Q3 2024" is over).
    assert counts == {
        "Actielijn 1": ["1", "1", "0", "0", "2", "1"],
        "Actielijn 2": ["0", "0", "1", "0", "1", "0"],
        "Totaal": ["1", "1", "1", "0", "3", "1"],
    }
    assert "<dd>Definitie van vertraagd.</dd>" in page


def test_text_from_the_data_is_escaped(client, nap, draft, statuses):
    make_activity(
        action_line=nap["campaign"].action_line,
        status=statuses["loopt"],
        title="<script>alert('titel')</script>",
        explanation="<img src=x onerror=alert(1)> [^9]",
    )
    publish_report(draft)

    page = client.get(draft.get_absolute_url()).text

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;titel&#x27;)&lt;/script&gt;" in page
    # A marker without a footnote stays a plain number, not a link.
    assert '&lt;img src=x onerror=alert(1)&gt; <sup class="footnote-ref">9</sup>' in page


def test_the_workbook_holds_the_annex_legend_and_summary(client, published):
    run_queued_jobs(["xlsx"])
    response = client.get(f"/rapportages/{published.slug}.xlsx")

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Bijlage", "Samenvatting", "Statussen", "Over dit bestand"]
    annex = list(workbook["Bijlage"].iter_rows(values_only=True))
    assert annex[0][:7] == (
        "actielijn nummer",
        "actielijn",
        "activiteit",
        "status",
        "wanneer",
        "wie",
        "toelichting",
    )
    assert [row[2] for row in annex[1:]] == ["Publiekscampagne", "Publieksmonitor", "Act4Respect"]
    assert annex[1][5] == "OCW, SZW en JenV"
    assert annex[2][6] == "De eerste meting volgt[3]."
    assert annex[2][7] == "[3] Kamerstukken II 2024/25, 34843, nr. 110"
    assert list(workbook["Samenvatting"].iter_rows(values_only=True))[-1] == (
        "Totaal",
        1,
        1,
        1,
        0,
        3,
    )


def grow(count: int) -> None:
    line = make_action_line()
    actor = make_actor(f"A{line.number}")
    status = Status.objects.first()
    for _ in range(count):
        make_activity(
            action_line=line,
            status=status,
            actors=(actor,),
            footnotes=("bron", "andere bron"),
            explanation="Tekst met een voetnoot[^1] en nog een[^2].",
        )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(queries)


PAGES = [
    "/rapportages/",
    "/rapportages/{slug}/",
    "/rapportages/{slug}/wijzigingen/",
    "/rapportages/{slug}.xlsx",
]


@pytest.mark.parametrize("url", PAGES)
def test_report_pages_run_the_same_number_of_queries_for_10_and_60_activities(
    staff_client, statuses, url
):
    def reports(prefix: str, count: int):
        grow(count)
        earlier = ProgressReport.objects.create(
            title=f"{prefix} vorig", slug=f"{prefix}-vorig", reference_date=datetime.date.today()
        )
        publish_report(earlier)
        grow(count // 10)
        report = ProgressReport.objects.create(
            title=prefix, slug=prefix, reference_date=datetime.date.today()
        )
        return earlier, report

    _earlier, small_draft = reports("klein", 10)
    small = count_queries(staff_client, url.format(slug=small_draft.slug))
    publish_report(small_draft)
    run_queued_jobs(["xlsx"])
    small_published = count_queries(staff_client, url.format(slug=small_draft.slug))

    _earlier, large_draft = reports("groot", 50)
    large = count_queries(staff_client, url.format(slug=large_draft.slug))
    publish_report(large_draft)
    run_queued_jobs(["xlsx"])
    large_published = count_queries(staff_client, url.format(slug=large_draft.slug))

    assert (small, small_published) == (large, large_published)
