"""The report's annex as a workbook: the same rows, legend and changes as the printed report."""

import io

from django.utils import timezone

from measures.exports import DATA_LICENCE, DATA_LICENCE_URL, SOURCE_NAME, Table, write_workbook
from measures.resources import spreadsheet_cell

from ..models import ProgressReport
from ..selectors import ReportChanges, ReportContents
from ..templatetags.report_tags import dutch_list, plain_explanation
from . import contents_and_changes, site_url


def _cells(values) -> list:
    return [spreadsheet_cell(value) for value in values]


def _annex_rows(contents: ReportContents):
    for entry in contents.entries:
        yield _cells(
            [
                entry.section.number,
                entry.section.title,
                entry.title,
                entry.status.label,
                entry.timeframe_label,
                dutch_list(entry.actor_codes),
                plain_explanation(entry),
                "\n".join(
                    f"[{f.number}] {f.text}" + (f" {f.url}" if f.url else "")
                    for f in entry.numbered_footnotes
                ),
                entry.deviates_from_plan,
            ]
        )


def _summary_rows(contents: ReportContents):
    for section, counts, total in contents.summary:
        yield _cells([f"Actielijn {section.number}: {section.title}", *counts, total])
    counts, total = contents.summary_totals
    yield _cells(["Totaal", *counts, total])


def _change_rows(changes: ReportChanges):
    for group in changes.kinds:
        for change in group.changes:
            yield _cells(
                [
                    group.kind.row_label,
                    f"Actielijn {change.section_number}",
                    change.title,
                    change.text("old"),
                    change.text("new"),
                ]
            )


def _change_count_rows(changes: ReportChanges):
    yield _cells(["Activiteiten met een wijziging", changes.activity_count])
    for group in changes.kinds:
        yield _cells([group.kind.heading, len(group.changes)])


def annex_tables(contents: ReportContents, changes: ReportChanges) -> list[Table]:
    tables = [
        Table(
            "Bijlage",
            [
                "actielijn nummer",
                "actielijn",
                "activiteit",
                "status",
                "wanneer",
                "wie",
                "toelichting",
                "voetnoten",
                "afwijking van planning",
            ],
            _annex_rows(contents),
            widths=[10, 40, 50, 16, 16, 24, 90, 60, 12],
            wrap=[False, True, True, True, True, True, True, True, False],
        ),
        Table(
            "Samenvatting",
            ["actielijn", *[status.label for status in contents.statuses], "totaal"],
            _summary_rows(contents),
            widths=[60] + [14] * (len(contents.statuses) + 1),
            wrap=[True],
        ),
        Table(
            "Statussen",
            ["status", "definitie"],
            (_cells([s.label, s.definition]) for s in contents.statuses),
            widths=[20, 100],
            wrap=[False, True],
        ),
    ]
    if changes.older is not None:
        tables.append(
            Table(
                "Wijzigingen in aantallen",
                ["wijziging", "aantal"],
                _change_count_rows(changes),
                widths=[40, 10],
                wrap=[True, False],
            )
        )
        tables.append(
            Table(
                "Wijzigingen",
                ["wijziging", "actielijn", "activiteit", "was", "is nu"],
                _change_rows(changes),
                widths=[24, 12, 50, 60, 60],
                wrap=[True, False, True, True, True],
            )
        )
    return tables


def report_about(report: ProgressReport, url: str) -> list[tuple[str, object]]:
    state = (
        f"gepubliceerd op {timezone.localtime(report.published_at):%d-%m-%Y}"
        if report.is_published
        else "concept (actuele gegevens, nog niet vastgelegd)"
    )
    return [
        ("Rapportage", report.title),
        ("Bron", f"{SOURCE_NAME}, {url}"),
        ("Stand van zaken per (peildatum)", report.reference_date),
        ("Status", state),
        ("Licentie", f"{DATA_LICENCE} ({DATA_LICENCE_URL})"),
    ]


def render_xlsx(report: ProgressReport) -> bytes:
    contents, changes = contents_and_changes(report)
    output = io.BytesIO()
    write_workbook(
        output,
        annex_tables(contents, changes),
        report_about(report, site_url(report.get_absolute_url())),
    )
    return output.getvalue()
