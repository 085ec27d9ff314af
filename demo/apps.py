from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo council's loader and its compressed cycle (no models)."""

    name = "demo"
    verbose_name = "Demo council"
