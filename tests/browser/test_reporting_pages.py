import datetime

import pytest

from reporting.models import ProgressReport
from reporting.services import publish_report
from tests.factories import make_action_line, make_activity, make_actor, make_status


@pytest.fixture
def two_reports(db):
    loopt = make_status("loopt", label="Loopt", icon="→")
    done = make_status("afgerond", label="Afgerond", icon="✓", is_closed=True)
    line = make_action_line(1, title="Er zijn gedeelde maatschappelijke waarden en normen")
    ocw = make_actor("OCW", name="Ministerie van Onderwijs, Cultuur en Wetenschap")
    campaign = make_activity(
        action_line=line,
        status=loopt,
        actors=(ocw,),
        title="Publiekscampagne",
        explanation="De campagne liep[^1].\n\n- eerste ronde\n- tweede ronde",
        footnotes=("Kamerstukken II 2023/24, 34843, nr. 100",),
        deviates_from_plan=True,
    )
    make_activity(action_line=line, status=loopt, title="Publieksmonitor")
    today = datetime.date.today()
    last_year = ProgressReport.objects.create(
        title="Voortgangsrapportage NAP 2024", slug="nap-2024", reference_date=today
    )
    publish_report(last_year)
    campaign.status = done
    campaign.explanation = "De campagne is afgerond[^1]."
    campaign.save()
    make_activity(action_line=line, status=loopt, title="Meldpunt")
    this_year = ProgressReport.objects.create(
        title="Voortgangsrapportage NAP 2025",
        slug="nap-2025",
        reference_date=today + datetime.timedelta(days=1),
        introduction="Inleiding.",
    )
    publish_report(this_year)
    return this_year


def open_page(page, url: str, heading: str) -> None:
    """Open the page and make sure it is the one meant: axe passes a 404 page just as well."""
    response = page.goto(url)
    assert response.status == 200, url
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text() == heading


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/rapportages/", "Voortgangsrapportages"),
        ("/rapportages/nap-2025/", "Voortgangsrapportage NAP 2025"),
        (
            "/rapportages/nap-2025/wijzigingen/",
            "Wat is er veranderd in Voortgangsrapportage NAP 2025?",
        ),
        (
            "/rapportages/nap-2025/vergelijk/nap-2024/",
            "Wat is er veranderd van Voortgangsrapportage NAP 2024 naar "
            "Voortgangsrapportage NAP 2025?",
        ),
    ],
)
def test_report_pages_pass_axe(live_server, page, assert_accessible, two_reports, path, heading):
    open_page(page, live_server.url + path, heading)

    assert_accessible(page)


def test_the_open_data_page_passes_axe(live_server, page, assert_accessible, db):
    open_page(page, live_server.url + "/open-data/", "Open data: de activiteiten downloaden")

    assert_accessible(page)


def test_footnote_links_lead_to_the_footnote_and_back(live_server, page, two_reports):
    page.goto(live_server.url + "/rapportages/nap-2025/")

    page.click("#voetnoot-1-ref-1")
    assert page.url.endswith("#voetnoot-1")
    page.click("#voetnoot-1 .footnote-back")
    assert page.url.endswith("#voetnoot-1-ref-1")


def test_the_compare_form_leads_to_the_comparison(live_server, page, two_reports):
    page.goto(live_server.url + "/rapportages/nap-2025/")

    page.select_option("#vergelijk-met", "nap-2024")
    page.click(".report-compare button[type=submit]")

    assert page.url.endswith("/rapportages/nap-2025/vergelijk/nap-2024/")
    assert page.locator("h1").inner_text().startswith("Wat is er veranderd van")
