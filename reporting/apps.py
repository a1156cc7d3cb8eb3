from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Voortgangsrapportages"

    def ready(self) -> None:
        from .rounds import signals

        signals.connect()
