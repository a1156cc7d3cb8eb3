"""A whole update round in a real browser, with its mails through a real SMTP server.

Coordinator opens a round → the staff of two ministries get mail → one answers "ongewijzigd",
the other proposes a status change by spreadsheet → the coordinator returns it with a comment
→ resubmitted → approved → the public page shows it → round closed → a draft report with the
round's peildatum shows every approved answer. The test process plays the task worker
(``run_queued``); axe checks each new page.
"""

import re

import pytest
from django.utils import timezone

from reporting.rounds.models import UpdateRequest
from tests.accounts import sign_in_in_browser
from tests.browser.messages import expect_message
from tests.factories import make_action_line, make_activity, make_actor, make_status
from tests.measures.editors import edit_xlsx, make_coordinator, make_staff_member
from tests.reporting.rounds.conftest import parts, run_queued, smtp  # noqa: F401 - fixture

PASSWORD = "een-lang-testwachtwoord"


@pytest.fixture
def cast(live_server, smtp, settings):  # noqa: F811 - the SMTP fixture
    settings.NAP_SITE_URL = live_server.url  # the links in the mails lead into this site
    line = make_action_line(1)
    running = make_status("loopt", label="Loopt")
    make_status("afgerond", label="Afgerond", is_closed=True)
    ocw, szw = make_actor("OCW"), make_actor("SZW")
    make_activity(
        action_line=line,
        status=running,
        actors=(ocw,),
        slug="lesmateriaal",
        title="Lesmateriaal over relaties",
        explanation="Het lesmateriaal is in de maak.",
    )
    make_activity(
        action_line=line,
        status=running,
        actors=(szw,),
        slug="toezicht",
        title="Toezicht door de Arbeidsinspectie",
        explanation="Het toezicht loopt.",
    )
    people = {
        "karin": make_coordinator(username="karin", email="karin@nap.example.nl"),
        "fatima": make_staff_member(ocw, username="fatima", email="fatima@ocw.example.nl"),
        "jan": make_staff_member(szw, username="jan", email="jan@szw.example.nl"),
    }
    for user in people.values():
        user.set_password(PASSWORD)
        user.save()
    return people


def login(browser, live_server, user):
    page = browser.new_context(locale="nl-NL", accept_downloads=True).new_page()
    return sign_in_in_browser(page, live_server.url, user, PASSWORD)


def link_to(message, path_part: str) -> str:
    text, _ = parts(message)
    return next(url for url in re.findall(r"https?://\S+", text) if path_part in url)


def states() -> dict[str, str]:
    return dict(UpdateRequest.objects.values_list("activity__slug", "state"))


def test_a_whole_round(browser, live_server, cast, smtp, tmp_path, assert_accessible):  # noqa: F811
    today = timezone.localdate()

    # The coordinator opens the round.
    karin = login(browser, live_server, cast["karin"])
    karin.goto(live_server.url + "/admin/reporting/updateround/add/")
    assert_accessible(karin)
    karin.fill("#id_title", "Uitvraag najaar")
    karin.fill("#id_reference_date", today.strftime("%d-%m-%Y"))
    karin.fill("#id_deadline", (today + timezone.timedelta(days=14)).strftime("%d-%m-%Y"))
    karin.click("input[name=_save]")
    expect_message(karin, "geopend met 2 verzoek(en)")
    round_page = karin.url
    assert "0 van 2" in karin.locator(".round-summary").inner_text()
    assert_accessible(karin)

    # The worker sends the mails: each ministry's staff get their own list.
    assert smtp.messages == []
    run_queued()
    [to_fatima] = smtp.to("fatima@ocw.example.nl")
    [to_jan] = smtp.to("jan@szw.example.nl")
    assert "Lesmateriaal over relaties" in parts(to_fatima)[0]
    assert "Toezicht door de Arbeidsinspectie" in parts(to_jan)[0]

    # OCW confirms: nothing changed.
    fatima = login(browser, live_server, cast["fatima"])
    fatima.goto(link_to(to_fatima, "/updateround/"))
    assert "Mijn verzoeken in deze uitvraag" in fatima.content()
    assert_accessible(fatima)
    fatima.get_by_role("button", name="Ongewijzigd: Lesmateriaal over relaties").click()
    expect_message(fatima, "beantwoord met ‘ongewijzigd’")
    assert states()["lesmateriaal"] == "goedgekeurd"

    # SZW proposes a new status by spreadsheet.
    jan = login(browser, live_server, cast["jan"])

    def jan_proposes(explanation):
        jan.goto(live_server.url + "/admin/measures/activity/export/")
        with jan.expect_download() as download:
            jan.click("input[type=submit]")
        filled_in = tmp_path / f"szw-{len(explanation)}.xlsx"
        filled_in.write_bytes(
            edit_xlsx(
                download.value.path().read_bytes(),
                {("toezicht", "Status"): "Afgerond", ("toezicht", "Toelichting"): explanation},
            )
        )
        jan.goto(live_server.url + "/admin/measures/activity/import/")
        jan.set_input_files("#id_import_file", str(filled_in))
        jan.click("input[type=submit]")
        jan.click("input[name=confirm]")
        expect_message(jan, "wachten op beoordeling")

    jan_proposes("Het toezicht is afgerond.")
    assert states()["toezicht"] == "ingediend"

    # The coordinator returns it with a comment; the worker mails Jan.
    def karin_reviews():
        karin.goto(round_page)
        karin.get_by_role("link", name=re.compile("ingediend en te beoordelen")).click()
        karin.get_by_role("link", name="Beoordelen: Toezicht door de Arbeidsinspectie").click()
        assert_accessible(karin)

    karin_reviews()
    karin.fill("#id_comment", "Noem het rapport van de Arbeidsinspectie.")
    karin.click("input[name=_return]")
    expect_message(karin, "Voorstel teruggestuurd naar")
    assert states()["toezicht"] == "teruggestuurd"
    run_queued()
    [returned] = [m for m in smtp.to("jan@szw.example.nl") if "Teruggestuurd" in str(m["Subject"])]
    assert "Noem het rapport van de Arbeidsinspectie." in parts(returned)[0]

    # Jan resubmits; the coordinator approves; the public page shows it.
    jan_proposes("Het toezicht is afgerond; zie het rapport van de Arbeidsinspectie.")
    assert states()["toezicht"] == "ingediend"
    karin_reviews()
    karin.click("input[name=_approve]")
    expect_message(karin, "Voorstel goedgekeurd")
    assert states()["toezicht"] == "goedgekeurd"
    public = browser.new_context(locale="nl-NL").new_page()
    public.goto(live_server.url + "/activiteiten/toezicht/")
    assert "zie het rapport van de Arbeidsinspectie" in public.content()
    assert "Afgerond" in public.locator("main").inner_text()

    # The round closes and feeds a draft report with its peildatum.
    karin.goto(round_page)
    assert "2 van 2" in karin.locator(".round-summary").inner_text()
    karin.get_by_role("button", name="Uitvraag sluiten").click()
    karin.get_by_role("button", name="Maak conceptrapportage").click()
    expect_message(karin, "peildatum")
    slug = karin.locator("#id_slug").input_value()
    karin.goto(f"{live_server.url}/rapportages/{slug}/")
    report = karin.locator("main").inner_text()
    assert "Het toezicht is afgerond; zie het rapport van de Arbeidsinspectie." in report
    assert "Het lesmateriaal is in de maak." in report
    assert_accessible(karin)
