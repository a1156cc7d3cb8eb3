"""Publish a progress report from the command line (the admin has the same action).

    manage.py publish_report --nap-2025
    manage.py publish_report voortgangsrapportage-nap-2026 --title "Voortgangsrapportage NAP 2026"

Idempotent: a report that is already published is left as it is.
"""

import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from measures.selectors import reference_date
from reporting.models import ProgressReport
from reporting.services import publish_nap_2025_report, publish_report


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is geen datum; gebruik JJJJ-MM-DD.") from None


class Command(BaseCommand):
    help = "Publiceer een voortgangsrapportage: de gegevens worden bevroren."

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="slug van de rapportage")
        parser.add_argument(
            "--nap-2025",
            action="store_true",
            help="de meegeleverde Voortgangsrapportage NAP 2025 (uit de geladen activiteiten)",
        )
        parser.add_argument("--title", help="titel, om een nog niet bestaande rapportage te maken")
        parser.add_argument(
            "--reference-date",
            type=iso_date,
            help="peildatum (JJJJ-MM-DD); standaard de laatste wijziging in de gegevens",
        )
        parser.add_argument("--introduction-file", type=Path, help="tekstbestand met de inleiding")

    def handle(self, *args, slug=None, nap_2025=False, **options):
        if nap_2025:
            _report, message = publish_nap_2025_report()
            self.stdout.write(message)
            return
        if not slug:
            raise CommandError("Geef de slug van een rapportage, of --nap-2025.")
        report = ProgressReport.objects.filter(slug=slug).first()
        if report is None:
            report = self._create(slug, options)
        elif report.is_published:
            self.stdout.write(f"“{report}” was al gepubliceerd; er is niets veranderd.")
            return
        try:
            # A new report is only kept if it could be published.
            with transaction.atomic():
                if report.pk is None:
                    report.full_clean()
                    report.save()
                publish_report(report)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(f"“{report}” gepubliceerd ({report.entries.count()} activiteiten).")
        )

    def _create(self, slug: str, options) -> ProgressReport:
        if not options["title"]:
            raise CommandError(f"Er is geen rapportage “{slug}”; geef --title om die te maken.")
        peildatum = options["reference_date"] or reference_date()
        if peildatum is None:
            raise CommandError("Er zijn geen openbare activiteiten; geef --reference-date.")
        introduction = ""
        if options["introduction_file"]:
            try:
                introduction = options["introduction_file"].read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(f"De inleiding kon niet worden gelezen: {error}") from None
        return ProgressReport(
            slug=slug, title=options["title"], reference_date=peildatum, introduction=introduction
        )
