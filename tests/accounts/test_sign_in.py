"""Signing in and out for real: Argon2 hashes, throttling, idle expiry."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD


@pytest.fixture
def person(world):
    return world.people["service_lead"]


def sign_in(client, username, password):
    return client.post(reverse("accounts:sign-in"), {"username": username, "password": password})


def test_passwords_are_hashed_with_argon2(person):
    assert person.password.startswith("argon2")


def test_production_hashes_with_argon2_at_full_cost():
    """The tests hash at the least cost (tests/hashers.py); production must not."""
    from django.contrib.auth.hashers import Argon2PasswordHasher, import_string

    from pmf import settings as production

    first = import_string(production.PASSWORD_HASHERS[0])
    assert first is Argon2PasswordHasher
    assert first.time_cost >= 2
    assert first.memory_cost >= 64 * 1024  # KiB
    assert settings.PASSWORD_HASHERS[0] == "tests.hashers.QuickArgon2PasswordHasher"


def test_sign_in_lands_on_home(person):
    client = Client()
    response = sign_in(client, person.username, TEST_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_wrong_password_shows_the_error_and_keeps_the_user_name(person):
    response = sign_in(Client(), person.username, "not-the-password")
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Enter a correct user name and password" in body
    assert f'value="{person.username}"' in body
    assert "not-the-password" not in body


def test_empty_fields_get_messages_next_to_them(world):
    body = sign_in(Client(), "", "").content.decode()
    assert 'id="id_username-error"' in body
    assert "Enter your user name" in body
    assert "Enter your password" in body


def test_repeated_failures_lock_the_account_for_a_while(person):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, person.username, "wrong-password")
    response = sign_in(client, person.username, TEST_PASSWORD)
    assert response.status_code == 429
    assert "Sign-in paused" in response.content.decode()


def test_sign_out_ends_the_session(person):
    client = Client()
    sign_in(client, person.username, TEST_PASSWORD)
    response = client.post(reverse("accounts:sign-out"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_sign_out_by_link_is_refused(person):
    client = Client()
    sign_in(client, person.username, TEST_PASSWORD)
    assert client.get(reverse("accounts:sign-out")).status_code == 405
    assert client.get(reverse("home")).status_code == 200


def test_session_expires_after_inactivity(person):
    client = Client()
    sign_in(client, person.username, TEST_PASSWORD)
    session = client.session
    session.set_expiry(-1)
    session.save()
    assert client.get(reverse("home")).status_code == 302
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_one_password_tried_across_many_user_names_locks_the_address(world):
    """Spraying one password over many user names from one address is slowed, not just guessing one name."""
    client = Client(REMOTE_ADDR="203.0.113.7")
    for number in range(settings.PMF_SIGN_IN_ADDRESS_FAILURE_LIMIT - 1):
        response = sign_in(client, f"guess-{number}", "Summer2026!")
        assert response.status_code == 200, number  # each user name fails once: no per-name lock
    assert sign_in(client, "guess-last", "Summer2026!").status_code == 429
    person = world.people["service_lead"]
    assert sign_in(client, person.username, TEST_PASSWORD).status_code == 429
    # Another address is not affected.
    assert sign_in(Client(REMOTE_ADDR="203.0.113.8"), person.username, TEST_PASSWORD).status_code == 302


def test_the_address_limit_is_higher_than_the_user_name_limit(world):
    assert settings.PMF_SIGN_IN_ADDRESS_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT
    client = Client(REMOTE_ADDR="203.0.113.9")
    for number in range(settings.PMF_SIGN_IN_ADDRESS_FAILURE_LIMIT - 1):
        sign_in(client, f"guess-{number}", "wrong-password")
    person = world.people["service_lead"]
    assert sign_in(client, person.username, TEST_PASSWORD).status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_is_throttled(world, settings):
    settings.PMF_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.20")
    for number in range(settings.PMF_SIGN_IN_ADDRESS_FAILURE_LIMIT):
        sign_in(attacker, f"guess-{number}", "wrong-password")
    person = world.people["service_lead"]
    assert sign_in(attacker, person.username, TEST_PASSWORD).status_code == 429
    # Someone else behind the same proxy can still sign in.
    neighbour = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert sign_in(neighbour, person.username, TEST_PASSWORD).status_code == 302


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(world):
    """A client cannot dodge the address limit by sending a new X-Forwarded-For each time."""
    for number in range(settings.PMF_SIGN_IN_ADDRESS_FAILURE_LIMIT):
        sign_in(Client(REMOTE_ADDR="203.0.113.30", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}"), f"g-{number}", "x")
    person = world.people["service_lead"]
    assert sign_in(Client(REMOTE_ADDR="203.0.113.30"), person.username, TEST_PASSWORD).status_code == 429


def test_one_good_sign_in_does_not_wipe_the_addresss_failures(world):
    """With one valid account an attacker could sign in between rounds of guessing at other
    user names and never reach the address's limit; a success clears only its own count."""
    client = Client(REMOTE_ADDR="203.0.113.30")
    person = world.people["service_lead"]
    for number in range(settings.PMF_SIGN_IN_ADDRESS_FAILURE_LIMIT - 1):
        sign_in(client, f"guess-{number}", "Summer2026!")
    assert sign_in(client, person.username, TEST_PASSWORD).status_code == 302
    client.post(reverse("accounts:sign-out"))
    assert sign_in(client, "guess-again", "Summer2026!").status_code == 429
