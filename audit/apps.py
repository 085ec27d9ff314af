from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The append-only change log: who changed which governed record, when, from what to what."""

    name = "audit"
    verbose_name = "Audit log"
