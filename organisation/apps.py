from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    """Keeping the organisation and its people: the HR imports, leavers' hand-over, API tokens,
    starting a new council, and the audited services that change units, people and roles. No
    models of its own: they are in ``accounts``."""

    name = "organisation"
    verbose_name = "Organisation"

    def ready(self) -> None:
        from organisation.holdings import organisation_holdings, register_holdings

        register_holdings(organisation_holdings)
