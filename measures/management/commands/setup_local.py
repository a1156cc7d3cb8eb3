"""Prepare a local development site in one go: migrate, load the shipped data, make an admin.

Used by the README's run command. Refuses to run without DEBUG, so it never touches production.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from measures.models import Activity

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


class Command(BaseCommand):
    help = "Migreer, laad de meegeleverde gegevens en maak een beheeraccount (alleen lokaal)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("setup_local is alleen voor lokaal gebruik (DJANGO_DEBUG=1).")
        call_command("migrate", interactive=False, verbosity=0)
        fixtures = sorted(str(path) for path in FIXTURES_DIR.glob("*.json"))
        # Only into an empty database: reloading would silently undo local edits.
        if fixtures and not Activity.objects.exists():
            call_command("loaddata", *fixtures, verbosity=0)
            self.stdout.write(f"Gegevens geladen uit {len(fixtures)} bestand(en) in fixtures/.")
        self._record_initial_history()
        self._create_admin()

    def _record_initial_history(self) -> None:
        """loaddata saves raw, so simple-history records nothing: start each story at its date."""
        unrecorded = list(Activity.objects.exclude(pk__in=Activity.history.values("id")))
        for activity in unrecorded:
            activity._history_date = activity.updated_at
        Activity.history.bulk_history_create(unrecorded, default_change_reason="Rapportage")

    def _create_admin(self) -> None:
        user_model = get_user_model()
        if user_model.objects.filter(is_superuser=True).exists():
            return
        password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser("admin", "admin@example.invalid", password)
        self.stdout.write(
            self.style.WARNING(
                "Beheeraccount aangemaakt. Dit wachtwoord wordt maar één keer getoond:\n"
                f"  gebruikersnaam: admin\n  wachtwoord:     {password}"
            )
        )
