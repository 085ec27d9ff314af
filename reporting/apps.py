from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Dashboards, point-in-time snapshots, PDFs, exports and the quarterly cycle."""

    name = "reporting"
    verbose_name = "Reporting"

    def ready(self) -> None:
        """Listen for the events that tell people at once (``reporting.alerts``), and warm
        the dashboards after every audited change (``reporting.warming``)."""
        from audit.services import after_audited_commit
        from core.events import listen
        from reporting.alerts import on_event
        from reporting.warming import schedule_warm

        listen(on_event)
        after_audited_commit(schedule_warm)
