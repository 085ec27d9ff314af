from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared plumbing: middleware, context processors, template tags, the heartbeat task."""

    name = "core"
    verbose_name = "Core"
