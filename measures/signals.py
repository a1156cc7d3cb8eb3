"""Keep the public page cache honest: any committed change to public data gives a new version."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from actionlines.models import ActionLine

from .models import Activity, ActivityActor, Actor, Footnote, Status
from .page_cache import bump_data_version

# Everything a public page shows comes from these models. (The change history is written in the
# same transaction as the activity it records.)
PUBLIC_MODELS = (ActionLine, Activity, ActivityActor, Actor, Footnote, Status)


def data_changed(sender, using=None, **kwargs) -> None:
    # After the commit, never before: see the module docstring of measures.page_cache.
    transaction.on_commit(bump_data_version, using=using)


def connect() -> None:
    for model in PUBLIC_MODELS:
        post_save.connect(data_changed, sender=model, dispatch_uid=f"public-data-{model.__name__}")
        post_delete.connect(
            data_changed, sender=model, dispatch_uid=f"public-data-del-{model.__name__}"
        )
    m2m_changed.connect(
        data_changed, sender=Activity.actors.through, dispatch_uid="public-data-actors"
    )
