from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users, the organisation tree, role assignments and the permission policy."""

    name = "accounts"
    verbose_name = "People and organisation"
