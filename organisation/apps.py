from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    """The audited services that change people, units and roles, and the commands that use
    them (starting a new council). No models of its own: they are in ``accounts``."""

    name = "organisation"
    verbose_name = "Organisation services"
