"""The session's OpenID Connect provider: started once per test session (once per xdist
worker, each on its own free loopback port), with the people the single sign-on tests sign
in as, and a confidential client registered with the live server's callback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "provider-password-1"  # noqa: S105 - the test provider's people only
CLIENT_ID = "performance-tests"
CLIENT_SECRET = "performance-tests-client-secret"  # noqa: S105
PROVIDER_NAME = "Test ID"

#: The provider's people: user name there → the email address it vouches for.
PEOPLE = {
    "ada": "Ada.Lovelace@Council.Example",  # one active person in Performance, in other letter case
    "stranger": "stranger@council.example",  # nobody in Performance
    "leaver": "leaver@council.example",  # a deactivated person
    "twin": "twin@council.example",  # two active people share it
    "priya": "Priya.Raman@example.org",  # the demo council's priya.raman
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rsa_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@dataclass(frozen=True)
class Provider:
    url: str  # http://127.0.0.1:<port>
    app_url: str  # the live server it sends people back to
    discovery: dict = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    def app_settings(self, *, discovery: bool = False) -> dict:
        """What a council would put in the environment, as settings: explicit endpoints, or
        only the issuer (the endpoints then come from its discovery document)."""
        from pmf.settings import sso_origins

        endpoints = {
            "OIDC_OP_AUTHORIZATION_ENDPOINT": self.discovery["authorization_endpoint"],
            "OIDC_OP_TOKEN_ENDPOINT": self.discovery["token_endpoint"],
            "OIDC_OP_USER_ENDPOINT": self.discovery["userinfo_endpoint"],
            "OIDC_OP_JWKS_ENDPOINT": self.discovery["jwks_uri"],
            "OIDC_OP_LOGOUT_ENDPOINT": self.discovery["end_session_endpoint"],
        }
        return {
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "PMF_OIDC_ISSUER": self.issuer,
            "PMF_OIDC_PROVIDER_NAME": PROVIDER_NAME,
            **(dict.fromkeys(endpoints, "") if discovery else endpoints),
            "form_action_origins": sso_origins(self.issuer, endpoints["OIDC_OP_LOGOUT_ENDPOINT"]),
        }


def _wait_for_discovery(process: subprocess.Popen, issuer: str, log: Path) -> dict:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The test OpenID Connect provider stopped:\n{log.read_text()[-3000:]}")
        try:
            response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2)
            if response.status_code == 200:
                return response.json()
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    pytest.fail(f"The test OpenID Connect provider did not answer in time:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory):
    """A django-oauth-toolkit provider in its own process, serving until the session ends."""
    home = tmp_path_factory.mktemp("oidc-provider")
    key = home / "signing-key.pem"
    key.write_text(rsa_private_key_pem())
    setup = home / "setup.json"
    setup.write_text(
        json.dumps(
            {
                "people": [{"username": name, "email": email, "password": PASSWORD} for name, email in PEOPLE.items()],
                "client": {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": [f"{live_server.url}/accounts/single-sign-on/callback/"],
                    "post_logout_redirect_uris": [f"{live_server.url}/accounts/sign-in/"],
                },
            }
        )
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "PMF_")) and key not in {"SECRET_KEY", "DEBUG"}
    }
    env.update(OIDC_PROVIDER_DB=str(home / "provider.sqlite3"), OIDC_PROVIDER_KEY=str(key), PYTHONPATH=str(ROOT))
    log = home / "provider.log"
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-m", "tests.oidc_provider.serve", str(port), str(setup)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        discovery = _wait_for_discovery(process, f"{url}/o", log)
        yield Provider(url=url, app_url=live_server.url, discovery=discovery)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def single_sign_on(oidc_provider, settings):
    """The app configured for the test provider by its explicit endpoints, password sign-in on."""
    return configure(settings, oidc_provider)


def configure(settings, provider: Provider, *, discovery: bool = False, password_sign_in: bool = True) -> Provider:
    """Settings as pmf/settings.py would make them from the environment."""
    from accounts import sso
    from pmf.settings import sign_in_backends

    values = provider.app_settings(discovery=discovery)
    form_action = values.pop("form_action_origins")
    for name, value in values.items():
        setattr(settings, name, value)
    settings.PMF_PASSWORD_SIGN_IN = password_sign_in
    settings.AUTHENTICATION_BACKENDS = sign_in_backends(password_sign_in=password_sign_in, single_sign_on=True)
    policy = dict(settings.CONTENT_SECURITY_POLICY)
    directives = dict(policy["DIRECTIVES"])
    directives["form-action"] = [*directives["form-action"], *form_action]
    policy["DIRECTIVES"] = directives
    settings.CONTENT_SECURITY_POLICY = policy
    sso._discovery_documents.clear()
    return provider
