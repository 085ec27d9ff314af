from django.apps import AppConfig


class KpisConfig(AppConfig):
    """The KPI data dictionary, reporting periods, targets, returns and escalations."""

    name = "kpis"
    verbose_name = "KPIs and returns"

    def ready(self) -> None:
        from kpis.holdings import kpi_holdings
        from kpis.thread import kpis_in_no_plan, measures
        from organisation.holdings import register_holdings
        from planning.extensions import register_gaps, register_measures

        register_measures(measures)
        register_gaps(kpis_in_no_plan)
        register_holdings(kpi_holdings)
