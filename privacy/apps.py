from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Personal data: retention periods applied nightly, and subject access exports."""

    name = "privacy"
    verbose_name = "Personal data"
