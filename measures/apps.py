from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = "Activiteiten"

    def ready(self) -> None:
        from . import signals

        signals.connect()
