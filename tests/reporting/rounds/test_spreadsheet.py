"""The spreadsheet update round: download the template, fill it in, preview, confirm."""

import codecs
import io

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from openpyxl import load_workbook

from measures import services
from measures.models import Activity, ActorMembership, Proposal
from reporting.rounds.spreadsheet import COLUMNS, UpdateRoundResource, UpdateTemplateXLSX
from tests.factories import make_activity, make_status
from tests.measures.editors import (
    CSV,
    EXPORT_URL,
    IMPORT_URL,
    XLSX,
    confirm,
    csv_file,
    download_template,
    edit_xlsx,
    make_coordinator,
    make_staff_member,
    page_text,
    upload,
    xlsx_file,
    xlsx_rows,
)

FORMULA_TITLE = '=HYPERLINK("http://example.invalid","klik")'
BULLETED = "- eerste stap\n- tweede stap"


@pytest.fixture
def not_started(db):
    return make_status("nog-niet-gestart", label="Nog niet gestart")


@pytest.fixture
def campaign(action_line, status, ocw):
    return make_activity(
        action_line=action_line,
        status=status,
        actors=(ocw,),
        title="Campagne over grenzen",
        slug="campagne",
        timeframe_label="2023-2026",
        explanation="De campagne loopt.",
    )


@pytest.fixture
def lessons(action_line, status, ocw, szw):
    return make_activity(
        action_line=action_line,
        status=status,
        actors=(ocw, szw),
        title=FORMULA_TITLE,
        slug="lesmateriaal",
        timeframe_label="2024",
        explanation=BULLETED,
    )


@pytest.fixture
def inspection(action_line, status, szw):
    return make_activity(
        action_line=action_line,
        status=status,
        actors=(szw,),
        title="Toezicht door de Arbeidsinspectie",
        slug="toezicht",
    )


@pytest.fixture
def fatima(ocw):
    return make_staff_member(ocw, username="fatima", first_name="Fatima", last_name="El Amrani")


@pytest.fixture
def round_(client, fatima, campaign, lessons, inspection, closed_status, not_started):
    """Fatima of OCW, logged in, with her template downloaded."""
    client.force_login(fatima)
    return download_template(client)


def proposed(activity) -> dict:
    """The new values of the activity's pending proposal (a ministry employee's import)."""
    proposal = activity.proposals.pending().get()
    assert proposal.source == "spreadsheet"
    return {name: change["new"] for name, change in proposal.changes.items()}


def database_state():
    rows = Activity.objects.order_by("pk").values_list(
        "pk", "status_id", "timeframe_label", "explanation", "title", "version"
    )
    return list(rows), Activity.history.count()


# The template -------------------------------------------------------------------------------


def test_the_template_lists_what_the_user_may_change_with_dutch_headers(round_, lessons):
    rows = xlsx_rows(round_)

    assert rows[0] == COLUMNS
    assert [row[0] for row in rows[1:]] == ["campagne", "lesmateriaal"]
    campaign_row = dict(zip(COLUMNS, rows[1], strict=True))
    assert campaign_row == {
        "Sleutel": "campagne",
        "Actielijn": 1,
        "Activiteit": "Campagne over grenzen",
        "Wie": "OCW",
        "Status": "Loopt",
        "Wanneer": "2023-2026",
        "Toelichting": "De campagne loopt.",
        "Versie": 1,
    }
    assert rows[2][3] == "OCW, SZW"


def test_the_template_holds_only_what_the_user_may_change_whatever_it_is_handed(
    fatima, campaign, lessons, inspection
):
    # The admin hands the template its own, already narrowed, list; the template does not
    # rely on that, just as the import never relies on the admin's list.
    dataset = UpdateRoundResource(user=fatima).export(queryset=Activity.objects.all())

    rows = xlsx_rows(UpdateTemplateXLSX().export_data(dataset))

    assert [row[0] for row in rows[1:]] == ["campagne", "lesmateriaal"]


def test_formula_like_text_is_made_inert_and_numbers_stay_numbers(round_):
    workbook = load_workbook(io.BytesIO(round_))
    sheet = workbook.worksheets[0]
    title, version, action_line, explanation = sheet["C3"], sheet["H3"], sheet["B3"], sheet["G3"]

    assert (title.value, title.data_type) == ("'" + FORMULA_TITLE, "s")
    assert explanation.value == "'" + BULLETED
    assert (version.value, version.data_type) == (1, "n")
    assert sheet["F3"].number_format == "@"  # "Wanneer" stays text when typed over
    assert (action_line.value, action_line.data_type) == (1, "n")
    assert workbook.sheetnames == ["Activiteiten", "Statussen"]
    assert [row[0] for row in workbook["Statussen"].iter_rows(min_row=2, values_only=True)] == [
        "Loopt",
        "Afgerond",
        "Nog niet gestart",
    ]
    assert str(sheet.data_validations.dataValidation[0].sqref) == "E2:E3"


def test_the_csv_template_has_a_bom_and_escapes_formulas(client, round_):
    content = download_template(client, CSV)

    assert content.startswith(codecs.BOM_UTF8)
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert '"\'=HYPERLINK(""http://example.invalid"",""klik"")"' in text
    assert "'- eerste stap" in text
    assert ",1\r\n" in text  # the version, unescaped


def test_a_round_trip_without_edits_changes_nothing(client, round_):
    before = database_state()

    for content, name in [(round_, "ronde.xlsx"), (download_template(client, CSV), "ronde.csv")]:
        preview = upload(client, content, name)
        result = preview.context["result"]
        assert not result.has_errors() and not result.has_validation_errors()
        assert result.changed_rows() == []
        assert result.unchanged_count() == 2
        assert "Er is niets te wijzigen" in page_text(preview)

    assert database_state() == before


# Preview and confirm --------------------------------------------------------------------------


def test_the_preview_shows_per_row_what_changes_and_writes_nothing(client, round_, campaign):
    before = database_state()
    filled_in = edit_xlsx(
        round_,
        {
            ("campagne", "Status"): "Afgerond",
            ("campagne", "Toelichting"): "Eindevaluatie verschenen.",
        },
    )

    preview = upload(client, filled_in)

    result = preview.context["result"]
    [row] = result.changed_rows()
    assert row.line == 2
    assert [(c.label, c.old, c.new) for c in row.changes] == [
        ("Status", "Loopt", "Afgerond"),
        ("Toelichting", "De campagne loopt.", "Eindevaluatie verschenen."),
    ]
    assert result.unchanged_count() == 1
    text = page_text(preview)
    assert '<del class="was">Loopt</del>' in text
    assert '<ins class="wordt">Afgerond</ins>' in text
    assert preview.context["confirm_form"] is not None
    assert database_state() == before


def test_confirming_proposes_the_changes_once_and_approval_applies_them_with_history(
    client, round_, campaign, fatima
):
    history_before = campaign.history.count()
    filled_in = edit_xlsx(
        round_, {("campagne", "Status"): "afgerond", ("campagne", "Wanneer"): "Q2 2025"}
    )
    preview = upload(client, filled_in, "ronde-ocw.xlsx")

    response = confirm(client, preview)

    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == [
        "Bijwerkronde verwerkt: wijzigingen voor 1 activiteit(en) ingediend; die wachten op "
        "beoordeling door een coördinator. 1 ongewijzigd."
    ]
    # The preview proposed nothing, the confirmation one proposal; the activity is untouched.
    proposal = Proposal.objects.get()
    assert (proposal.proposed_by, proposal.note, proposal.base_version) == (
        fatima,
        "Bijwerkronde, bestand ronde-ocw.xlsx",
        1,
    )
    assert proposed(campaign) == {"status": "afgerond", "timeframe_label": "Q2 2025"}
    campaign.refresh_from_db()
    assert (campaign.status.code, campaign.timeframe_label, campaign.version) == (
        "loopt",
        "2023-2026",
        1,
    )
    assert campaign.history.count() == history_before
    assert not LogEntry.objects.exists()

    services.approve_proposal(proposal, user=make_coordinator())

    campaign.refresh_from_db()
    assert (campaign.status.code, campaign.timeframe_label) == ("afgerond", "Q2 2025")
    assert (campaign.end_year, campaign.end_quarter, campaign.version) == (2025, 2, 2)
    assert campaign.updated_by == fatima
    assert campaign.history.count() == history_before + 1
    latest = campaign.history.latest()
    assert latest.history_user == fatima
    assert latest.history_change_reason.startswith("Bijwerkronde, bestand ronde-ocw.xlsx (")


def test_a_coordinators_import_applies_at_once_with_history(client, campaign, closed_status):
    coordinator = make_coordinator()
    client.force_login(coordinator)
    filled_in = edit_xlsx(download_template(client), {("campagne", "Status"): "afgerond"})

    response = confirm(client, upload(client, filled_in, "ronde-ocw.xlsx"))

    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages[0].startswith("Bijwerkronde verwerkt: 1 activiteit(en) bijgewerkt")
    campaign.refresh_from_db()
    assert (campaign.status, campaign.version, campaign.updated_by) == (
        closed_status,
        2,
        coordinator,
    )
    latest = campaign.history.latest()
    assert latest.history_change_reason == "Bijwerkronde, bestand ronde-ocw.xlsx"
    assert LogEntry.objects.get(object_id=str(campaign.pk)).change_message == (
        "Bijgewerkt via de bijwerkronde (import)."
    )
    assert not Proposal.objects.pending().exists()


def test_edits_in_the_context_columns_are_ignored_with_a_notice(client, round_, campaign):
    filled_in = edit_xlsx(
        round_,
        {
            ("campagne", "Activiteit"): "Een betere titel",
            ("campagne", "Status"): "Afgerond",
            ("lesmateriaal", "Wie"): "OCW",
        },
    )

    preview = upload(client, filled_in)
    result = preview.context["result"]
    confirm(client, preview)

    [changed] = result.changed_rows()
    assert changed.notices == [
        "De kolom ‘Activiteit’ is alleen ter informatie; uw wijziging daarin is genegeerd."
    ]
    [skipped] = result.noted_skipped_rows()
    assert skipped.line == 3
    assert "De kolom ‘Wie’ is alleen ter informatie" in skipped.notices[0]
    campaign.refresh_from_db()
    assert campaign.title == "Campagne over grenzen"
    assert proposed(campaign) == {"status": "afgerond"}


def test_a_row_someone_else_changed_after_the_export_but_the_editor_left_alone_is_skipped(
    client, round_, campaign, lessons, closed_status
):
    coordinator = make_coordinator(first_name="Karin", last_name="Bos")
    lessons.status = closed_status
    services.save_activity(lessons, user=coordinator, base_version=1)
    filled_in = edit_xlsx(round_, {("campagne", "Toelichting"): "Bijgewerkt door OCW."})

    preview = upload(client, filled_in)
    result = preview.context["result"]
    confirm(client, preview)

    [skipped] = result.noted_skipped_rows()
    assert "u had deze rij niet aangepast" in skipped.notices[0]
    assert "Karin Bos" in skipped.notices[0]
    lessons.refresh_from_db()
    assert proposed(campaign) == {"explanation": "Bijgewerkt door OCW."}
    assert (lessons.status, lessons.version) == (closed_status, 2)
    assert not lessons.proposals.exists()


def test_csv_saved_by_dutch_excel_with_semicolons_is_read(client, round_, campaign):
    filled_in = csv_file(
        [COLUMNS, ["campagne", 1, "Campagne over grenzen", "OCW", "Afgerond", "2023", "Klaar.", 1]],
        delimiter=";",
    )

    response = confirm(client, upload(client, filled_in, "ronde.csv"))

    assert response.status_code == 302
    assert proposed(campaign) == {
        "status": "afgerond",
        "explanation": "Klaar.",
        "timeframe_label": "2023",
    }


def test_a_timeframe_that_cannot_be_read_is_kept_with_a_notice(client, round_):
    filled_in = edit_xlsx(round_, {("campagne", "Wanneer"): "na de zomer"})

    [row] = upload(client, filled_in).context["result"].changed_rows()

    assert "niet als periode te lezen" in row.notices[0]


# What is refused, and writes nothing -----------------------------------------------------------


def another_ministrys_row(rows):
    return [*rows, ["toezicht", 1, "Toezicht", "SZW", "Afgerond", "2023", "Klaar.", 1]]


def someone_changed_it_since_the_export(rows):
    coordinator = make_coordinator(first_name="Karin", last_name="Bos")
    activity = Activity.objects.get(slug="lesmateriaal")
    activity.explanation = "Door de coördinator herschreven."
    services.save_activity(activity, user=coordinator, base_version=1)
    return edit_rows(rows, "lesmateriaal", "Toelichting", "Mijn versie.")


def edit_rows(rows, key, column, value):
    return [
        [value if row[0] == key and COLUMNS[i] == column else cell for i, cell in enumerate(row)]
        for row in rows
    ]


BAD_ROWS = {
    "unknown status": (
        lambda rows: edit_rows(rows, "lesmateriaal", "Status", "Half klaar"),
        "Status",
        "Onbekende status ‘Half klaar’. Kies een van: Loopt, Afgerond, Nog niet gestart.",
    ),
    "empty status": (
        lambda rows: edit_rows(rows, "lesmateriaal", "Status", None),
        "Status",
        "De status is leeg.",
    ),
    "empty explanation": (
        lambda rows: edit_rows(rows, "lesmateriaal", "Toelichting", "  "),
        "Toelichting",
        "De toelichting is leeg; die is verplicht.",
    ),
    "timeframe too long": (
        lambda rows: edit_rows(rows, "lesmateriaal", "Wanneer", "Q1 2024 " * 20),
        "Wanneer",
        "‘Wanneer’ is te lang: hoogstens 100 tekens.",
    ),
    "unknown activity": (
        lambda rows: edit_rows(rows, "lesmateriaal", "Sleutel", "bestaat-niet"),
        "Sleutel",
        "Er is geen activiteit met de sleutel ‘bestaat-niet’.",
    ),
    "empty key": (
        lambda rows: edit_rows(rows, "lesmateriaal", "Sleutel", None),
        "Sleutel",
        "De sleutel is leeg.",
    ),
    "another ministry's activity": (
        another_ministrys_row,
        "Sleutel",
        "U mag activiteit ‘toezicht’ niet bijwerken",
    ),
    "changed since export": (
        someone_changed_it_since_the_export,
        "Versie",
        "Deze activiteit is gewijzigd sinds uw export (uw bestand: versie 1, nu versie 2). "
        "Versie 2, door Karin Bos op",
    ),
    "version missing": (
        lambda rows: edit_rows(rows, "lesmateriaal", "Versie", "eerste"),
        "Versie",
        "De versie ontbreekt of is geen geheel getal.",
    ),
    "version from the future": (
        lambda rows: edit_rows(rows, "lesmateriaal", "Versie", 7),
        "Versie",
        "Versie 7 bestaat nog niet",
    ),
    "duplicate row": (
        lambda rows: [*rows, rows[2]],
        "Sleutel",
        "Deze activiteit staat meer dan eens in het bestand (rijen 3, 4). Laat één rij over.",
    ),
}


@pytest.mark.parametrize(("case", "column", "message"), BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_a_bad_row_is_explained_and_nothing_is_written(client, round_, case, column, message):
    rows = edit_rows(xlsx_rows(round_), "campagne", "Status", "Afgerond")  # a good change too
    rows = case(rows)
    before = database_state()

    preview = upload(client, xlsx_file(rows))

    result = preview.context["result"]
    messages = [
        (row.number + 1, field, error)
        for row in result.invalid_rows
        for field, errors in row.field_specific_errors.items()
        for error in errors
    ]
    assert len(messages) >= 1
    assert all(field == column for _, field, _ in messages)
    assert any(error.startswith(message) for _, _, error in messages), messages
    assert message.split("’")[0] in page_text(preview)
    assert preview.context.get("confirm_form") is None
    assert database_state() == before


def test_the_conflict_tells_what_the_other_person_changed(client, round_):
    rows = someone_changed_it_since_the_export(xlsx_rows(round_))

    preview = upload(client, xlsx_file(rows))

    [invalid] = preview.context["result"].invalid_rows
    assert "Toelichting: ‘- eerste stap" in invalid.error_dict["Versie"][0]
    assert "‘Door de coördinator herschreven.’" in invalid.error_dict["Versie"][0]


def test_a_row_for_an_activity_with_a_pending_proposal_is_refused_in_the_preview(
    client, round_, campaign, ocw
):
    colleague = make_staff_member(ocw, username="jan", first_name="Jan", last_name="Bakker")
    services.propose_changes(
        campaign,
        user=colleague,
        base_version=campaign.version,
        changes={"explanation": "Voorstel van Jan."},
    )
    before = database_state(), Proposal.objects.count()
    filled_in = edit_xlsx(round_, {("campagne", "Status"): "Afgerond"})

    preview = upload(client, filled_in)

    [invalid] = preview.context["result"].invalid_rows
    assert invalid.number + 1 == 2
    [message] = invalid.error_dict["Sleutel"]
    assert message.startswith("Voor ‘Campagne over grenzen’ wacht al een voorstel op beoordeling")
    assert "van Jan Bakker" in message
    assert "wacht al een voorstel op beoordeling (van Jan Bakker" in page_text(preview)
    assert preview.context.get("confirm_form") is None
    assert (database_state(), Proposal.objects.count()) == before


BAD_FILES = {
    "pdf": ("notities.pdf", b"%PDF-1.4", "‘notities.pdf’ is geen .xlsx- of .csv-bestand."),
    "broken workbook": ("ronde.xlsx", b"geen zip", "Dit is geen leesbaar Excel-bestand (.xlsx)."),
    "not utf-8": (
        "ronde.csv",
        "Sleutel,Status\ncampagne,Afgerond é\n".encode("latin-1"),
        "Dit bestand is geen UTF-8-tekst.",
    ),
    "not the template": (
        "ronde.csv",
        b"Naam,Leeftijd\nPiet,42\n",
        "Dit is geen bijwerksjabloon: de kolom(men) ‘Sleutel’, ‘Status’, ‘Wanneer’, "
        "‘Toelichting’, ‘Versie’ ontbreken.",
    ),
    "headers only": (
        "ronde.csv",
        ",".join(COLUMNS).encode(),
        "Het bestand bevat geen activiteiten.",
    ),
    "empty": ("ronde.csv", b"", "Het verstuurde bestand is leeg."),
    "ragged rows": (
        "ronde.csv",
        b"Sleutel,Status\ncampagne,Afgerond,extra,kolommen\n",
        "Niet alle rijen hebben evenveel kolommen als de kopregel.",
    ),
    "a column twice": (
        "ronde.csv",
        (",".join([*COLUMNS, "Status"]) + "\ncampagne,1,t,OCW,Loopt,2023,x,1,Afgerond\n").encode(),
        "De kolom ‘Status’ staat meer dan eens in het bestand.",
    ),
}


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_explained_and_nothing_is_written(client, round_, name, content, message):
    before = database_state()

    preview = upload(client, content, name)

    assert preview.status_code == 200
    assert message in page_text(preview)
    assert preview.context.get("confirm_form") is None
    assert database_state() == before


def test_a_file_over_the_size_limit_is_refused(client, round_, settings):
    settings.NAP_IMPORT_MAX_BYTES = 1024

    preview = upload(client, round_)

    assert "Het bestand is groter dan 1,0\xa0KB." in page_text(preview)  # a no-break space
    assert preview.context.get("result") is None


def test_a_file_with_too_many_rows_is_refused(client, round_, settings):
    settings.NAP_IMPORT_MAX_ROWS = 1
    before = database_state()

    preview = upload(client, edit_xlsx(round_, {("campagne", "Status"): "Afgerond"}))

    assert "er kunnen er hoogstens 1 tegelijk worden ingelezen" in page_text(preview)
    assert database_state() == before


def test_empty_lines_in_a_sheet_are_not_rows(client, round_):
    rows = edit_rows(xlsx_rows(round_), "campagne", "Status", "Afgerond")

    preview = upload(client, xlsx_file([*rows, [None] * 8, [None] * 8]))

    result = preview.context["result"]
    assert not result.has_validation_errors()
    assert len(result.changed_rows()) == 1
    assert result.unchanged_count() == 1


# All or nothing, also when found only at confirmation ------------------------------------------


@pytest.mark.django_db(transaction=True)  # real transactions, as in production
def test_a_row_changed_between_preview_and_confirm_stops_the_whole_import(
    client, action_line, status, closed_status, ocw
):
    first = make_activity(action_line=action_line, status=status, actors=(ocw,), slug="eerste")
    second = make_activity(action_line=action_line, status=status, actors=(ocw,), slug="tweede")
    client.force_login(make_staff_member(ocw))
    filled_in = edit_xlsx(
        download_template(client),
        {("eerste", "Status"): "Afgerond", ("tweede", "Toelichting"): "Nieuwe toelichting."},
    )
    preview = upload(client, filled_in)
    assert len(preview.context["result"].changed_rows()) == 2
    # Meanwhile a coordinator saves the second activity.
    second.explanation = "Intussen door de coördinator."
    services.save_activity(second, user=make_coordinator(), base_version=1)

    response = confirm(client, preview)

    assert response.status_code == 200
    assert "Er is niets geïmporteerd" in page_text(response)
    assert "gewijzigd sinds uw export" in page_text(response)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.version) == (status, 1)  # processed first, rolled back
    assert second.explanation == "Intussen door de coördinator."


def test_confirming_twice_imports_once(client, round_, campaign):
    preview = upload(client, edit_xlsx(round_, {("campagne", "Status"): "Afgerond"}))
    confirm(client, preview)

    again = confirm(client, preview)

    assert again.status_code == 302
    assert again.url == IMPORT_URL
    assert "al verwerkt of verlopen" in str(list(get_messages(again.wsgi_request))[-1])
    assert campaign.proposals.count() == 1


# Who may import and export -----------------------------------------------------------------


def test_importing_and_exporting_need_their_own_permissions(client, campaign, ocw):
    editor = get_user_model().objects.create_user("alleen-wijzigen", is_staff=True)
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_activity", "change_activity"])
    )
    ActorMembership.objects.create(user=editor, actor=ocw)
    client.force_login(editor)

    assert client.get(IMPORT_URL).status_code == 403
    assert client.get(EXPORT_URL).status_code == 403
    changelist = client.get("/admin/measures/activity/")
    assert changelist.status_code == 200
    assert "Ingevuld sjabloon importeren" not in page_text(changelist)


def test_a_coordinators_file_imported_by_staff_only_touches_their_own_rows(
    client, campaign, lessons, inspection, fatima
):
    client.force_login(make_coordinator())
    everything = download_template(client)
    client.force_login(fatima)
    before = database_state()

    filled_in = edit_xlsx(everything, {("toezicht", "Status"): "Afgerond"})
    preview = upload(client, filled_in)

    [refused] = preview.context["result"].invalid_rows
    assert refused.values[0] == "toezicht"
    assert database_state() == before


def test_the_template_follows_the_lists_filters_and_survives_a_broken_one(client, round_):
    found = download_template(client, XLSX, "?q=Campagne")
    broken = client.post(EXPORT_URL + "?status__id__exact=geen-getal", {"format": XLSX})

    assert [row[0] for row in xlsx_rows(found)[1:]] == ["campagne"]
    assert broken.status_code == 302
    assert broken.url.endswith("?e=1")
