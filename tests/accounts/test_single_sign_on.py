"""Single sign-on against a real OpenID Connect provider (tests/oidc_provider), over HTTP.

Every test here drives the real protocol with a real HTTP client: our sign-in link, the
provider's own sign-in form, the authorization code back to our callback on the live server,
the code exchanged for tokens and the ID token's signature checked against the provider's
published keys. Nothing is mocked.
"""

from __future__ import annotations

import html
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from axes.models import AccessLog
from django.test import Client
from django.urls import reverse
from jwcrypto import jwk

from accounts.models import User
from tests.factories import TEST_PASSWORD, UserFactory
from tests.oidc_provider.fixtures import PASSWORD, PROVIDER_NAME, configure

pytestmark = pytest.mark.usefixtures("transactional_db")

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in_through_provider(provider, username: str, *, session: requests.Session | None = None, next_path=""):
    """Press "Sign in with ..." on our sign-in page and sign in at the provider's form, as a
    browser would; returns the session and the last answer after all the redirects."""
    session = session or requests.Session()
    page = session.get(f"{provider.app_url}/accounts/sign-in/{next_path}", timeout=30)
    start = re.search(r'<a href="([^"]+)"[^>]*>\s*Sign in with ' + PROVIDER_NAME, page.text)
    assert start, "the sign-in page offers no single sign-on"
    login_form = session.get(provider.app_url + html.unescape(start.group(1)), timeout=30)
    assert login_form.url.startswith(f"{provider.url}/login/"), login_form.url
    answer = session.post(
        login_form.url,
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": CSRF.search(login_form.text).group(1)},
        timeout=30,
    )
    return session, answer


def who_is_signed_in(provider, session: requests.Session) -> str | None:
    answer = session.get(f"{provider.app_url}/api/v1/me/", timeout=30)
    return answer.json()["username"] if answer.status_code == 200 else None


@pytest.fixture
def ada(transactional_db):
    """Imported from HR with her address in lower case; the provider says Ada.Lovelace@Council.Example."""
    return UserFactory(
        username="ada.lovelace", first_name="Ada", last_name="Lovelace", email="ada.lovelace@council.example"
    )


@pytest.mark.parametrize("discovery", [False, True], ids=["explicit endpoints", "issuer discovery"])
def test_signing_in_at_the_provider_signs_in_the_matched_person(oidc_provider, settings, ada, discovery):
    configure(settings, oidc_provider, discovery=discovery)
    people_before = User.objects.count()

    session, landed = sign_in_through_provider(oidc_provider, "ada")

    assert landed.status_code == 200
    assert landed.url == f"{oidc_provider.app_url}/"
    hops = [urlsplit(answer.url).path for answer in landed.history]
    assert "/accounts/single-sign-on/callback/" in hops
    assert "Ada Lovelace" in landed.text
    assert who_is_signed_in(oidc_provider, session) == "ada.lovelace"
    assert User.objects.count() == people_before  # matched, not created
    # Recorded as a password sign-in is: the access log and the last sign-in time.
    ada.refresh_from_db()
    assert ada.last_login is not None
    assert AccessLog.objects.filter(username="ada.lovelace").count() == 1


def test_the_page_asked_for_before_signing_in_is_where_the_person_lands(oidc_provider, settings, ada):
    configure(settings, oidc_provider)
    _, landed = sign_in_through_provider(oidc_provider, "ada", next_path="?next=/kpis/")
    assert urlsplit(landed.url).path == "/kpis/"


class _Keys(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def impostor_keys(oidc_provider):
    """A JWKS that publishes another RSA key under the provider's own key id, on loopback:
    a token signed by the provider's real key must fail against it."""
    real = requests.get(oidc_provider.discovery["jwks_uri"], timeout=10).json()["keys"][0]
    other = jwk.JWK.generate(kty="RSA", size=2048, kid=real["kid"])
    handler = type(
        "Keys",
        (_Keys,),
        {"body": json.dumps({"keys": [{**other.export_public(as_dict=True), "alg": "RS256", "use": "sig"}]}).encode()},
    )
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json"
    server.shutdown()
    server.server_close()


def test_an_id_token_not_signed_by_the_published_key_is_refused(oidc_provider, settings, ada, impostor_keys):
    configure(settings, oidc_provider)
    settings.OIDC_OP_JWKS_ENDPOINT = impostor_keys

    session, landed = sign_in_through_provider(oidc_provider, "ada")

    assert urlsplit(landed.url).path == "/accounts/single-sign-on/refused/"
    assert "Sign-in did not complete" in landed.text
    assert who_is_signed_in(oidc_provider, session) is None


def test_an_id_token_for_another_issuer_is_refused(oidc_provider, settings, ada):
    configure(settings, oidc_provider)
    settings.PMF_OIDC_ISSUER = "https://login.example.com/another-tenant"

    session, landed = sign_in_through_provider(oidc_provider, "ada")

    assert urlsplit(landed.url).path == "/accounts/single-sign-on/refused/"
    assert who_is_signed_in(oidc_provider, session) is None


@pytest.mark.parametrize(
    ("username", "heading"),
    [
        ("stranger", "You cannot sign in to Performance yet"),
        ("leaver", "Your Performance account is switched off"),
        ("twin", "We cannot tell which account is yours"),
    ],
)
def test_someone_who_is_not_one_active_person_is_refused_with_a_page_saying_why(
    oidc_provider, settings, username, heading
):
    configure(settings, oidc_provider)
    UserFactory(username="left", email="leaver@council.example", is_active=False)
    UserFactory(username="twin-a", email="twin@council.example")
    UserFactory(username="twin-b", email="TWIN@council.example")
    people_before = User.objects.count()

    session, landed = sign_in_through_provider(oidc_provider, username)

    assert landed.status_code == 200
    assert urlsplit(landed.url).path == "/accounts/single-sign-on/refused/"
    assert f'<h1 class="govuk-heading-l">{heading}</h1>' in landed.text
    assert "the corporate performance team" in landed.text
    assert "Traceback" not in landed.text
    assert "twin-a" not in landed.text  # no other person is named
    assert "twin-b" not in landed.text
    assert who_is_signed_in(oidc_provider, session) is None
    assert User.objects.count() == people_before  # never created
    # The reason is shown once; a second visit does not repeat someone else's story.
    assert heading not in session.get(landed.url, timeout=30).text


def test_a_person_switched_off_after_signing_in_is_signed_out(oidc_provider, settings, ada):
    configure(settings, oidc_provider)
    session, _ = sign_in_through_provider(oidc_provider, "ada")
    assert who_is_signed_in(oidc_provider, session) == "ada.lovelace"
    User.objects.filter(pk=ada.pk).update(is_active=False)
    home = session.get(f"{oidc_provider.app_url}/", allow_redirects=False, timeout=30)
    assert home.status_code == 302
    assert home.headers["Location"].startswith("/accounts/sign-in/")


def provider_user(provider, session: requests.Session) -> str:
    return session.get(f"{provider.url}/whoami/", timeout=30).text


def test_sign_out_ends_the_session_here_and_at_the_provider(oidc_provider, settings, ada):
    configure(settings, oidc_provider)
    session, landed = sign_in_through_provider(oidc_provider, "ada")
    assert provider_user(oidc_provider, session) == "ada"

    signed_out = session.post(
        f"{oidc_provider.app_url}/accounts/sign-out/",
        data={"csrfmiddlewaretoken": CSRF.search(landed.text).group(1)},
        headers={"Referer": landed.url},
        timeout=30,
    )

    end_session = urlsplit(signed_out.history[0].headers["Location"])
    assert (
        f"{end_session.scheme}://{end_session.netloc}{end_session.path}"
        == oidc_provider.discovery["end_session_endpoint"]
    )
    query = parse_qs(end_session.query)
    assert query["post_logout_redirect_uri"] == [f"{oidc_provider.app_url}/accounts/sign-in/"]
    assert query["id_token_hint"][0].count(".") == 2  # the ID token we were given
    assert signed_out.url == f"{oidc_provider.app_url}/accounts/sign-in/"
    assert who_is_signed_in(oidc_provider, session) is None
    assert provider_user(oidc_provider, session) == "nobody"


def test_sign_out_stays_a_post(oidc_provider, settings, ada):
    configure(settings, oidc_provider)
    session, _ = sign_in_through_provider(oidc_provider, "ada")
    assert session.get(f"{oidc_provider.app_url}/accounts/sign-out/", timeout=30).status_code == 405
    assert who_is_signed_in(oidc_provider, session) == "ada.lovelace"


def test_with_password_sign_in_switched_off_the_form_is_gone_and_credentials_are_refused(oidc_provider, settings, ada):
    configure(settings, oidc_provider, password_sign_in=False)
    session = requests.Session()
    page = session.get(f"{oidc_provider.app_url}/accounts/sign-in/", timeout=30)
    assert f"Sign in with {PROVIDER_NAME}" in page.text
    assert 'name="password"' not in page.text
    assert "django.contrib.auth.backends.ModelBackend" not in settings.AUTHENTICATION_BACKENDS

    refused = Client().post(reverse("accounts:sign-in"), {"username": ada.username, "password": TEST_PASSWORD})
    assert refused.status_code == 405
    # Nor does the admin's own sign-in form take a password: no backend checks one.
    User.objects.filter(pk=ada.pk).update(is_staff=True)
    admin_client = Client()
    admin_client.post("/admin/login/", {"username": ada.username, "password": TEST_PASSWORD})
    assert "_auth_user_id" not in admin_client.session
    # The provider's way in still works.
    session, _ = sign_in_through_provider(oidc_provider, "ada")
    assert who_is_signed_in(oidc_provider, session) == "ada.lovelace"


def test_refused_sign_ins_at_the_provider_do_not_pause_anyone_elses(oidc_provider, settings, ada):
    """The provider guards its own passwords: a refusal there is not a guess here, and does
    not pause single sign-on for colleagues at the same address (an office behind one NAT)."""
    configure(settings, oidc_provider)
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        _, refused = sign_in_through_provider(oidc_provider, "stranger")
        assert urlsplit(refused.url).path == "/accounts/single-sign-on/refused/"
    session, _ = sign_in_through_provider(oidc_provider, "ada")
    assert who_is_signed_in(oidc_provider, session) == "ada.lovelace"


def test_password_guessing_pauses_password_sign_in_at_the_address_but_not_the_provider(oidc_provider, settings, ada):
    configure(settings, oidc_provider)
    guesser = Client(REMOTE_ADDR="127.0.0.1")  # the address the live server sees
    for number in range(settings.PMF_SIGN_IN_ADDRESS_FAILURE_LIMIT):
        guesser.post(reverse("accounts:sign-in"), {"username": f"guess-{number}", "password": "Summer2026!"})
    paused = guesser.post(reverse("accounts:sign-in"), {"username": ada.username, "password": TEST_PASSWORD})
    assert paused.status_code == 429
    session, _ = sign_in_through_provider(oidc_provider, "ada")
    assert who_is_signed_in(oidc_provider, session) == "ada.lovelace"
