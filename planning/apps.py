from django.apps import AppConfig


class PlanningConfig(AppConfig):
    """Council Plans, directorate, service and team plans, objectives and CIC objectives."""

    name = "planning"
    verbose_name = "Planning"

    def ready(self) -> None:
        from organisation.holdings import register_holdings
        from planning.holdings import plan_holdings

        register_holdings(plan_holdings)
