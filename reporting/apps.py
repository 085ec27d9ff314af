from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Dashboards, point-in-time snapshots, PDFs, exports and the quarterly cycle."""

    name = "reporting"
    verbose_name = "Reporting"
