"""Prepare a local development site in one go: migrate, load the shipped data, make an admin
and two demo editors (a coordinator and a staff member of OCW) to try both roles.

Used by the README's run command. Refuses to run without DEBUG, so it never touches production.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from measures import services
from measures.models import Activity, Actor, ActorKind, ActorMembership
from measures.roles import COORDINATOR, MINISTRY_STAFF

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


class Command(BaseCommand):
    help = (
        "Migreer, laad de meegeleverde gegevens en maak een beheeraccount en demo-accounts "
        "(alleen lokaal)."
    )

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
        # The shipped 2025 report, frozen from the data just loaded (does nothing a second time).
        call_command("publish_report", nap_2025=True, stdout=self.stdout)
        self._create_admin()
        self._create_demo_editors()

    def _record_initial_history(self) -> None:
        """loaddata saves raw, so simple-history records nothing: start each story at its date."""
        unrecorded = list(Activity.objects.exclude(pk__in=Activity.history.values("id")))
        services.record_history(unrecorded, reason="Rapportage")

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

    def _create_demo_editors(self) -> None:
        ocw, _ = Actor.objects.get_or_create(
            code="OCW",
            defaults={
                "name": "Ministerie van Onderwijs, Cultuur en Wetenschap",
                "kind": ActorKind.MINISTRY,
            },
        )
        demo_editors = [
            ("coordinator", "Demo", "Coördinator", COORDINATOR, None),
            ("medewerker-ocw", "Demo", "Medewerker OCW", MINISTRY_STAFF, ocw),
        ]
        user_model = get_user_model()
        lines = []
        for username, first_name, last_name, role, actor in demo_editors:
            if user_model.objects.filter(username=username).exists():
                lines.append(f"  {role}: {username} (bestond al; wachtwoord eerder getoond)")
                continue
            password = secrets.token_urlsafe(12)
            user = user_model.objects.create_user(
                username,
                password=password,
                first_name=first_name,
                last_name=last_name,
                is_staff=True,
            )
            user.groups.add(Group.objects.get(name=role))
            if actor:
                ActorMembership.objects.create(user=user, actor=actor)
            lines.append(f"  {role}: gebruikersnaam {username}, wachtwoord {password}")
        self.stdout.write(
            self.style.WARNING(
                "Demo-accounts om beide rollen te proberen (alleen lokaal):\n"
                + "\n".join(lines)
                + "\nZolang DJANGO_DEBUG=1 aanstaat, vragen admin, coordinator en "
                "medewerker-ocw na het wachtwoord geen code uit een authenticator-app; zonder "
                "debugmodus wel, zoals elk account dat met een wachtwoord inlogt."
            )
        )
