"""Switch off accounts no longer used. The worker runs this daily (napsite.accounts.jobs); the
command is for deployments that plan it with cron instead (see README "Accounts")."""

from django.core.management.base import BaseCommand

from napsite.accounts import jobs


class Command(BaseCommand):
    help = (
        "Zet accounts uit die NAP_ACCOUNT_INACTIVE_DAYS dagen niet gebruikt zijn, en stuur de "
        "gebruiker een bericht."
    )

    def handle(self, *args, **options):
        self.stdout.write(jobs.deactivate_inactive_accounts(via="deactivate_inactive_accounts"))
