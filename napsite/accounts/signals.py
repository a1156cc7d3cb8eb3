"""Record sign-ins and changes of rights; end a user's other sessions when their password or
rights change."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from measures.models import ActorMembership
from napsite.accounts import audit, sessions
from napsite.accounts.models import AccessChange, AccessChangeKind, SignIn, SignInMethod

User = get_user_model()
SSO_BACKEND = "napsite.accounts.oidc.SsoBackend"


@receiver(user_logged_in, dispatch_uid="accounts_record_sign_in")
def record_sign_in(sender, request, user, **kwargs):
    method = (
        SignInMethod.SSO if getattr(user, "backend", None) == SSO_BACKEND else SignInMethod.PASSWORD
    )
    sessions.start(request.session, method)
    # login() has already given the session its new key; make sure it is stored.
    if request.session.session_key is None:
        request.session.save()
    SignIn.objects.create(user=user, method=method, session_key=request.session.session_key)


@receiver(user_logged_out, dispatch_uid="accounts_forget_session")
def forget_session(sender, request, user, **kwargs):
    if key := request.session.session_key:
        SignIn.objects.filter(session_key=key).update(session_key="")


@receiver(pre_save, sender=User, dispatch_uid="accounts_note_password_change")
def note_password_change(sender, instance, **kwargs):
    # set_password() keeps the raw password until save(); a hash upgrade at login does not.
    instance._accounts_password_changed = (
        instance.pk is not None and getattr(instance, "_password", None) is not None
    )


@receiver(post_save, sender=User, dispatch_uid="accounts_end_sessions_on_password_change")
def end_sessions_on_password_change(sender, instance, created, **kwargs):
    if not created and getattr(instance, "_accounts_password_changed", False):
        sessions.end_sessions(instance, keep_session_key=audit.current_session_key_of(instance))


def record_access_change(user, kind: str, subject: str) -> None:
    changed_by, via = audit.current_actor()
    AccessChange.objects.create(
        user=user, kind=kind, subject=subject, changed_by=changed_by, via=via
    )
    sessions.end_sessions(user, keep_session_key=audit.current_session_key_of(user))


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="accounts_record_roles")
def record_role_change(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear":
        # The cleared rows are gone by post_clear: note them now.
        instance._accounts_cleared = (
            list(instance.user_set.all()) if reverse else list(instance.groups.all())
        )
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    kind = AccessChangeKind.ROLE_GRANTED if action == "post_add" else AccessChangeKind.ROLE_REVOKED
    if action == "post_clear":
        others = getattr(instance, "_accounts_cleared", [])
    else:
        others = list((User if reverse else Group).objects.filter(pk__in=pk_set or ()))
    for other in others:
        user, group = (other, instance) if reverse else (instance, other)
        record_access_change(user, kind, group.name)


@receiver(post_save, sender=ActorMembership, dispatch_uid="accounts_record_actor_added")
def record_actor_added(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        record_access_change(instance.user, AccessChangeKind.ACTOR_ADDED, instance.actor.code)


@receiver(post_delete, sender=ActorMembership, dispatch_uid="accounts_record_actor_removed")
def record_actor_removed(sender, instance, origin=None, **kwargs):
    # Deleting the user deletes their memberships too: nothing left to record or end.
    if isinstance(origin, User) or getattr(origin, "model", None) is User:
        return
    record_access_change(instance.user, AccessChangeKind.ACTOR_REMOVED, instance.actor.code)
