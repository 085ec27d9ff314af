from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Dashboards, point-in-time snapshots, PDFs, exports and the quarterly cycle."""

    name = "reporting"
    verbose_name = "Reporting"

    def ready(self) -> None:
        """Listen for the events that tell people at once (``reporting.alerts``)."""
        from core.events import listen
        from reporting.alerts import on_event

        listen(on_event)
