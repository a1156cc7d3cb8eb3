"""Background jobs of the accounts, run by the task queue's worker (napsite.tasks).

``deactivate_inactive_accounts`` is planned daily (migration accounts/0003); the management
command of the same name runs it from cron where there is no worker.
"""

from django.conf import settings

from . import services


def deactivate_inactive_accounts(via: str = "dagelijkse taak") -> str:
    """Switch off the accounts nobody used for NAP_ACCOUNT_INACTIVE_DAYS; a summary in Dutch,
    for the worker's list of finished tasks. Running it twice does nothing more."""
    deactivated, mailed = services.deactivate_inactive_accounts(via=via)
    return (
        f"{deactivated} account(s) uitgezet die {settings.NAP_ACCOUNT_INACTIVE_DAYS} dagen "
        f"niet gebruikt zijn; {mailed} bericht(en) verstuurd."
    )
