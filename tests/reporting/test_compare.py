import datetime
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting.models import ProgressReport
from reporting.services import publish_report
from tests.factories import make_activity


def new_report(slug: str, days_later: int) -> ProgressReport:
    return ProgressReport.objects.create(
        title=f"Rapportage {slug}",
        slug=slug,
        reference_date=datetime.date.today() + datetime.timedelta(days=days_later),
    )


@pytest.fixture
def three_reports(nap, statuses):
    """2023, 2024 and 2025, each published; the campaign is re-planned twice."""
    campaign = nap["campaign"]
    reports = []
    for year, timeframe in ((2023, "2024"), (2024, "Q1 en Q3 2024"), (2025, "Q1 2025")):
        campaign.timeframe_label = timeframe
        campaign.apply_timeframe_label()
        campaign.save()
        report = new_report(f"nap-{year}", year - 2023)
        publish_report(report)
        reports.append(report)
    return reports


def main_content(response) -> str:
    assert response.status_code == 200
    return response.text.split("<main", 1)[1].split("</main>", 1)[0]


def wanneer_rows(page: str) -> list[str]:
    part = page.split('id="wijzigingen-wanneer"', 1)[1].split("<h", 1)[0]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr>(.*?)</tr>", part, re.S)
    ]


def test_any_two_reports_compare_older_to_newer_in_either_order(client, three_reports):
    forward = main_content(client.get("/rapportages/nap-2023/vergelijk/nap-2025/"))
    backward = main_content(client.get("/rapportages/nap-2025/vergelijk/nap-2023/"))

    for page in (forward, backward):
        assert (
            "<h1>Wat is er veranderd van Rapportage nap-2023 naar Rapportage nap-2025?</h1>" in page
        )
        assert re.search(r"<dt>Eerder</dt>\s*<dd><a href=\"/rapportages/nap-2023/\">", page)
        assert re.search(r"<dt>Later</dt>\s*<dd><a href=\"/rapportages/nap-2025/\">", page)
        assert wanneer_rows(page) == [
            "Activiteit Actielijn Was Is nu",
            "Publiekscampagne 1 2024 Q1 2025",
        ]
    # The address named them newest first: the page says it turned them round.
    assert "De eerdere rapportage staat voorop" in backward
    assert "De eerdere rapportage staat voorop" not in forward


def test_each_report_links_to_the_comparison_with_the_others(client, three_reports):
    page = main_content(client.get("/rapportages/nap-2024/"))

    assert '<h2 id="vergelijk">Vergelijk met een andere rapportage</h2>' in page
    assert '<form method="get" action="/rapportages/nap-2024/vergelijk/">' in page
    assert re.findall(r'<option value="([\w-]+)">', page) == ["nap-2025", "nap-2023"]
    assert 'href="/rapportages/nap-2024/vergelijk/nap-2023/"' in page

    chosen = client.get("/rapportages/nap-2024/vergelijk/", {"met": "nap-2023"})
    assert chosen.status_code == 302
    assert chosen.url == "/rapportages/nap-2024/vergelijk/nap-2023/"
    assert "Publiekscampagne 1 2024 Q1 en Q3 2024" in wanneer_rows(
        main_content(client.get(chosen.url))
    )


@pytest.mark.parametrize(
    "url",
    [
        "/rapportages/nap-2025/vergelijk/bestaat-niet/",
        "/rapportages/bestaat-niet/vergelijk/nap-2025/",
        "/rapportages/nap-2025/vergelijk/%3Cscript%3E/",
        "/rapportages/nap-2025/vergelijk/" + "a" * 5000 + "/",
        "/rapportages/nap-2025/vergelijk/?met=bestaat-niet",
        "/rapportages/nap-2025/vergelijk/?met=%3Cscript%3E%00",
        "/rapportages/nap-2025/vergelijk/",
        "/rapportages/bestaat-niet/vergelijk/?met=nap-2025",
    ],
)
def test_an_unknown_or_junk_report_is_not_found(client, three_reports, url):
    assert client.get(url).status_code == 404


@pytest.fixture
def draft(three_reports, nap):
    nap["monitor"].delete()
    return new_report("concept", 3)


def test_a_draft_is_compared_only_for_who_may_see_drafts(client, draft):
    assert client.get("/rapportages/nap-2025/vergelijk/concept/").status_code == 404
    assert client.get("/rapportages/concept/vergelijk/nap-2025/").status_code == 404
    assert client.get("/rapportages/nap-2025/vergelijk/", {"met": "concept"}).status_code == 404

    user = User.objects.create_user("beleid", password="geheim-wachtwoord", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_progressreport"))
    client.force_login(user)
    page = main_content(client.get("/rapportages/concept/vergelijk/nap-2025/"))
    assert "Rapportage concept</a>, stand van zaken per" in page
    assert "(concept)" in page
    assert "<strong>1</strong> niet meer opgenomen" in page


def test_the_compare_and_report_pages_run_the_same_number_of_queries_for_few_and_many(
    client, nap, statuses
):
    line = nap["campaign"].action_line

    def queries_for(count: int, prefix: str) -> int:
        for _ in range(count):
            make_activity(action_line=line, status=statuses["loopt"], footnotes=("bron",))
        older = new_report(f"{prefix}-oud", 0)
        publish_report(older)
        for _ in range(count):
            make_activity(action_line=line, status=statuses["afgerond"])
        newer = new_report(f"{prefix}-nieuw", 1)
        publish_report(newer)
        counts = []
        for url in (
            f"/rapportages/{newer.slug}/vergelijk/{older.slug}/",
            f"/rapportages/{newer.slug}/",
        ):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        return counts

    assert queries_for(10, "klein") == queries_for(50, "groot")
