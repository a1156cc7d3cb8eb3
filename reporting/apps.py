from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Voortgangsrapportages"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from measures.selectors import register_reference_date_source
        from measures.signals import data_changed

        from . import selectors
        from .models import ProgressReport
        from .rounds import signals
        from .rounds.models import UpdateRound

        signals.connect()
        # Every public page shows the site's peildatum, which closed rounds and published
        # reports set: a change to either makes the cached pages out of date.
        register_reference_date_source(selectors.latest_closed_round_peildatum)
        register_reference_date_source(selectors.latest_published_peildatum)
        for model in (ProgressReport, UpdateRound):
            post_save.connect(
                data_changed, sender=model, dispatch_uid=f"peildatum-{model.__name__}"
            )
            post_delete.connect(
                data_changed, sender=model, dispatch_uid=f"peildatum-del-{model.__name__}"
            )
