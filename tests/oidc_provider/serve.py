"""Start the tests' OpenID Connect provider: migrate its SQLite file, create its people and
the client the app signs in with (from a JSON file), then serve on the given loopback port.

    python -m tests.oidc_provider.serve <port> <setup.json>

The environment gives ``OIDC_PROVIDER_DB`` and ``OIDC_PROVIDER_KEY`` (a PEM RSA key)."""

import json
import os
import sys
from pathlib import Path


def main(port: str, setup_file: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0, interactive=False)
    setup = json.loads(Path(setup_file).read_text())
    for person in setup["people"]:
        User.objects.create_user(
            person["username"], email=person["email"], password=person["password"], first_name=person.get("name", "")
        )
    client = setup["client"]
    Application.objects.create(
        name="Performance",
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(client["redirect_uris"]),
        post_logout_redirect_uris=" ".join(client["post_logout_redirect_uris"]),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True, skip_checks=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
