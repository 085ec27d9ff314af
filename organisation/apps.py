from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    """Keeping the organisation and its people: the HR imports, leavers' hand-over, and the
    audited services that change units, people and roles."""

    name = "organisation"
    verbose_name = "Organisation"

    def ready(self) -> None:
        from organisation.holdings import organisation_holdings, register_holdings

        register_holdings(organisation_holdings)
