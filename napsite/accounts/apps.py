from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Staff sign-in: single sign-on, the second factor, session lifetimes, account upkeep."""

    name = "napsite.accounts"
    label = "accounts"
    verbose_name = "Accounts en aanmeldingen"

    def ready(self) -> None:
        from django.conf import settings

        from napsite.accounts import signals  # noqa: F401 - connects the receivers
        from napsite.accounts.oidc import parse_group_map

        # A malformed group map stops every process at start-up, not the first SSO sign-in.
        parse_group_map(settings.NAP_OIDC_GROUP_MAP)
