"""The editors' admin pages in a real browser: the round works, and axe finds no WCAG issue."""

import pytest

from tests.accounts import sign_in_in_browser
from tests.browser.messages import expect_message
from tests.factories import make_action_line, make_activity, make_actor, make_status
from tests.measures.editors import edit_xlsx, make_staff_member

PASSWORD = "een-lang-testwachtwoord"


@pytest.fixture
def editor_page(live_server, page):
    action_line = make_action_line(1)
    make_status("afgerond", label="Afgerond", is_closed=True)
    running = make_status("loopt", label="Loopt")
    ocw = make_actor("OCW")
    for slug in ("campagne", "meldpunt"):
        make_activity(
            action_line=action_line,
            status=running,
            actors=(ocw,),
            slug=slug,
            title=f"Activiteit {slug}",
            timeframe_label="2020",
        )
    editor = make_staff_member(ocw, username="fatima")
    editor.set_password(PASSWORD)
    editor.save()
    return sign_in_in_browser(page, live_server.url, editor, PASSWORD)


def test_the_start_page_shows_what_needs_attention(editor_page, assert_accessible):
    panel = editor_page.locator("#mijn-activiteiten")

    assert "2 achterstallig" in panel.inner_text()
    assert_accessible(editor_page)


def test_an_update_round_in_the_browser(editor_page, live_server, tmp_path, assert_accessible):
    editor_page.goto(live_server.url + "/admin/measures/activity/export/")
    assert_accessible(editor_page)
    with editor_page.expect_download() as download:
        editor_page.click("input[type=submit]")
    template = download.value.path().read_bytes()

    wrong = tmp_path / "ronde.xlsx"
    wrong.write_bytes(edit_xlsx(template, {("meldpunt", "Status"): "Bijna klaar"}))
    editor_page.goto(live_server.url + "/admin/measures/activity/import/")
    editor_page.set_input_files("#id_import_file", str(wrong))
    editor_page.click("input[type=submit]")
    assert "Onbekende status ‘Bijna klaar’" in editor_page.locator("#importfouten").inner_text()
    assert_accessible(editor_page)

    right = tmp_path / "ronde-goed.xlsx"
    right.write_bytes(edit_xlsx(template, {("campagne", "Status"): "Afgerond"}))
    editor_page.set_input_files("#id_import_file", str(right))
    editor_page.click("input[type=submit]")
    assert "Afgerond" in editor_page.locator("#wijzigingen ins").inner_text()
    assert_accessible(editor_page)

    editor_page.click("input[name=confirm]")
    expect_message(editor_page, "wijzigingen voor 1 activiteit(en) ingediend")


def test_the_bulk_status_change_page(editor_page, live_server, assert_accessible):
    editor_page.goto(live_server.url + "/admin/measures/activity/")
    editor_page.check("input[name=_selected_action] >> nth=0")
    editor_page.select_option("select[name=action]", "change_status")
    editor_page.click("button[name=index]")

    assert editor_page.locator("h1").inner_text() == "Status wijzigen"
    assert_accessible(editor_page)
