"""Delete update-round uploads whose preview was never confirmed.

Run it regularly, for instance hourly from cron:

    0 * * * *  cd /srv/nap && venv/bin/python manage.py clean_import_uploads

Each new upload cleans up too, so this only matters when nobody imports for a while.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from reporting.rounds.spreadsheet import remove_stale_uploads


class Command(BaseCommand):
    help = (
        "Verwijdert geüploade bijwerksjablonen die niet binnen NAP_IMPORT_UPLOAD_HOURS zijn "
        "bevestigd (bedoeld voor cron, bv. elk uur)."
    )

    def handle(self, *args, **options):
        removed = remove_stale_uploads()
        self.stdout.write(
            f"{removed} verlopen upload(s) verwijderd uit {settings.NAP_IMPORT_UPLOAD_DIR}."
        )
