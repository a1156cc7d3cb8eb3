"""Fill the provider's database: `python -m tests.oidc_provider.seed REDIRECT_URI CLIENT_ID
SECRET USERNAME:PASSWORD:GROUP,GROUP ...` (with DJANGO_SETTINGS_MODULE set to this package's
settings)."""

import sys

import django


def main(redirect_uri: str, client_id: str, secret: str, *users: str) -> None:
    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    for spec in users:
        username, password, groups = spec.split(":")
        user = User.objects.create_user(
            username,
            f"{username}@ministerie.example",
            password,
            first_name=username.capitalize(),
            last_name="Testpersoon",
        )
        for name in filter(None, groups.split(",")):
            user.groups.add(Group.objects.get_or_create(name=name)[0])
    Application.objects.create(
        name="NAP Voortgangsmonitor",
        client_id=client_id,
        client_secret=secret,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uri,
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
