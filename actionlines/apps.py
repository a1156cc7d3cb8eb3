from django.apps import AppConfig


class ActionLinesConfig(AppConfig):
    name = "actionlines"
    verbose_name = "Actielijnen"
