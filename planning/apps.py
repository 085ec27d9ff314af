from django.apps import AppConfig


class PlanningConfig(AppConfig):
    """Council Plans, directorate, service and team plans, objectives and CIC objectives."""

    name = "planning"
    verbose_name = "Planning"
