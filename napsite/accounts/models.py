"""Who signed in how, which SSO identity is whose, and who changed whose rights."""

from django.conf import settings
from django.db import models


class SignInMethod(models.TextChoices):
    PASSWORD = "password", "wachtwoord"
    SSO = "sso", "single sign-on"


class SignIn(models.Model):
    """One sign-in. Its session key also lets us end a user's sessions in any session backend."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="sign_ins",
        verbose_name="gebruiker",
    )
    method = models.CharField("manier", max_length=10, choices=SignInMethod.choices)
    signed_in_at = models.DateTimeField("aangemeld op", auto_now_add=True, db_index=True)
    # Emptied once the session has been ended by us (other sessions after a change of rights).
    session_key = models.CharField(max_length=40, blank=True, db_index=True, editable=False)

    class Meta:
        ordering = ["-signed_in_at", "-pk"]
        verbose_name = "aanmelding"
        verbose_name_plural = "aanmeldingen"

    def __str__(self) -> str:
        return f"{self.user} via {self.get_method_display()}"


class SsoIdentity(models.Model):
    """The identity provider's stable id ("sub") of a user who signs in with single sign-on.

    Users are matched on this, never on their e-mail address: an address can change hands.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="sso_identity",
        verbose_name="gebruiker",
    )
    issuer = models.CharField("identity provider", max_length=255)
    subject = models.CharField("id bij de identity provider", max_length=255)

    class Meta:
        verbose_name = "SSO-identiteit"
        verbose_name_plural = "SSO-identiteiten"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.issuer})"


class AccessChangeKind(models.TextChoices):
    ROLE_GRANTED = "role_granted", "rol toegekend"
    ROLE_REVOKED = "role_revoked", "rol ingetrokken"
    ACTOR_ADDED = "actor_added", "actor toegevoegd"
    ACTOR_REMOVED = "actor_removed", "actor verwijderd"
    DEACTIVATED = "deactivated", "account gedeactiveerd"


class AccessChange(models.Model):
    """A change to what a user may do: a role, an actor membership, deactivation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="access_changes",
        verbose_name="gebruiker",
    )
    kind = models.CharField("wijziging", max_length=20, choices=AccessChangeKind.choices)
    subject = models.CharField("rol of actor", max_length=150, blank=True)
    # Empty when no signed-in person made the change: single sign-on, a command, the shell.
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="door",
    )
    via = models.CharField("via", max_length=40)
    changed_at = models.DateTimeField("op", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = "wijziging van rechten"
        verbose_name_plural = "wijzigingen van rechten"

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()} {self.subject}".strip()
