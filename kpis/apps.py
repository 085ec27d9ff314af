from django.apps import AppConfig


class KpisConfig(AppConfig):
    """The KPI data dictionary, reporting periods, targets, returns and escalations."""

    name = "kpis"
    verbose_name = "KPIs and returns"
