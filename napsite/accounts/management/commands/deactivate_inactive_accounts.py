"""Run daily from cron (see README "Accounts"): switch off accounts no longer used."""

from django.conf import settings
from django.core.management.base import BaseCommand

from napsite.accounts import services


class Command(BaseCommand):
    help = (
        "Zet accounts uit die NAP_ACCOUNT_INACTIVE_DAYS dagen niet gebruikt zijn, en stuur de "
        "gebruiker een bericht."
    )

    def handle(self, *args, **options):
        deactivated, mailed = services.deactivate_inactive_accounts(
            via="deactivate_inactive_accounts"
        )
        self.stdout.write(
            f"{deactivated} account(s) uitgezet die {settings.NAP_ACCOUNT_INACTIVE_DAYS} dagen "
            f"niet gebruikt zijn; {mailed} bericht(en) verstuurd."
        )
