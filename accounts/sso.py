"""Single sign-on through the council's OpenID Connect provider (Entra ID, Google, Okta...).

mozilla-django-oidc does the protocol: the authorization-code exchange with PKCE, the ID
token's signature checked against the provider's published keys (JWKS), the nonce and the
state. What is ours is who may come in: a person already in Performance (imported from HR),
found by their email address, case-insensitively, and still active. A sign-in never creates
anyone; a person we cannot match to exactly one active person is refused with a page that
says why (``Refusal``) and whom to ask. ADR 0015 says why.

The provider is configured by its endpoints (``OIDC_OP_*_ENDPOINT``, as mozilla-django-oidc
names them) or by its issuer (``PMF_OIDC_ISSUER``), whose discovery document gives the
endpoints that are not set explicitly. The discovery document is fetched on first use, not
at start, so a provider that is down never stops the service, nor password sign-in.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.shortcuts import resolve_url
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

LOGGER = logging.getLogger(__name__)

#: Our setting name → the key in the provider's discovery document.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_LOGOUT_ENDPOINT": "end_session_endpoint",
}
_discovery_documents: dict[str, dict] = {}

#: Where the callback leaves the reason for the refusal page to read, once.
REFUSAL_SESSION_KEY = "pmf_sso_refusal"


class Refusal(StrEnum):
    """Why a sign-in through the provider did not let someone in; the refusal page explains each."""

    UNKNOWN = "unknown"  # nobody in Performance has this email address
    DEACTIVATED = "deactivated"  # the person has left (or been switched off)
    AMBIGUOUS = "ambiguous"  # more than one active person has this email address
    NOT_COMPLETED = "not_completed"  # the exchange failed: cancelled, expired, or a token we cannot trust


def is_configured() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID)


def discovery_document(issuer: str) -> dict:
    """The provider's ``/.well-known/openid-configuration``, fetched once per process."""
    if issuer not in _discovery_documents:
        response = requests.get(
            f"{issuer}/.well-known/openid-configuration", timeout=getattr(settings, "OIDC_TIMEOUT", 10)
        )
        response.raise_for_status()
        _discovery_documents[issuer] = response.json()
    return _discovery_documents[issuer]


def provider_setting(name: str, *default):
    """A mozilla-django-oidc setting, where an unset provider endpoint comes from the issuer's
    discovery document. Our views and backend read every setting through this."""
    explicit = getattr(settings, name, None)
    if name in DISCOVERED and not explicit and settings.PMF_OIDC_ISSUER:
        found = discovery_document(settings.PMF_OIDC_ISSUER).get(DISCOVERED[name])
        if found:
            return found
    if name in DISCOVERED and not explicit and default:
        return default[0]
    return import_from_settings(name, *default)


def refuse(request, reason: Refusal) -> None:
    request.session[REFUSAL_SESSION_KEY] = reason.value


def take_refusal(request) -> Refusal:
    """The reason the last sign-in was refused, forgotten once read; a visit without one
    (or a cancelled sign-in) reads as one that did not complete."""
    try:
        return Refusal(request.session.pop(REFUSAL_SESSION_KEY, Refusal.NOT_COMPLETED))
    except ValueError:
        return Refusal.NOT_COMPLETED


class SignInByEmail(OIDCAuthenticationBackend):
    """The person the provider vouches for is the one active person with that email address.

    Nothing is fetched when Django builds the backend (it builds every backend for every
    sign-in, password ones included): the endpoints are read when a code is exchanged.
    """

    get_settings = staticmethod(provider_setting)
    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: provider_setting("OIDC_OP_TOKEN_ENDPOINT"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: provider_setting("OIDC_OP_USER_ENDPOINT"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: provider_setting("OIDC_OP_JWKS_ENDPOINT"))

    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = getattr(settings, "OIDC_RP_IDP_SIGN_KEY", None)

    def authenticate(self, request, **kwargs):
        # Only the callback's call (nonce and PKCE verifier) is ours: a password sign-in's
        # credentials on a URL that happens to carry ?code=&state= must not start an exchange.
        if request is None or not is_configured() or set(kwargs) - {"nonce", "code_verifier"}:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except (SuspiciousOperation, jwt.InvalidTokenError, requests.RequestException) as error:
            # A bad signature, a replayed or expired code, a provider that is down: the person
            # sees the refusal page, the log has the cause, nobody sees a traceback.
            LOGGER.warning("Single sign-on did not complete: %s", error)
            refuse(request, Refusal.NOT_COMPLETED)
            return None

    def get_or_create_user(self, access_token, id_token, payload):
        """Match, never create (``OIDC_CREATE_USER`` is off and this does not look at it)."""
        self.check_audience_and_issuer(payload)
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            refuse(self.request, Refusal.UNKNOWN)
            return None
        people = list(self.filter_users_by_claims(claims)[:2])
        if len(people) == 1:
            return self.update_user(people[0], claims)
        if len(people) > 1:
            reason = Refusal.AMBIGUOUS
        elif self.UserModel.objects.filter(email__iexact=claims["email"], is_active=False).exists():
            reason = Refusal.DEACTIVATED
        else:
            reason = Refusal.UNKNOWN
        LOGGER.info("Single sign-on refused (%s) for %s", reason, self.describe_user_by_claims(claims))
        refuse(self.request, reason)
        return None

    def verify_claims(self, claims) -> bool:
        """An email address we can match on, and not one the provider says is unverified."""
        return bool(claims.get("email")) and claims.get("email_verified", True) is not False

    def filter_users_by_claims(self, claims):
        email = (claims.get("email") or "").strip()
        if not email:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email, is_active=True).order_by("pk")

    def check_audience_and_issuer(self, payload: dict) -> None:
        """The ID token was issued to us, by the issuer we trust (mozilla-django-oidc checks
        the signature, expiry and nonce, not these)."""
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token was issued to another client.")
        issuer = settings.PMF_OIDC_ISSUER
        if issuer and str(payload.get("iss", "")).rstrip("/") != issuer:
            raise SuspiciousOperation("The ID token comes from another issuer.")

    def get_user(self, user_id):
        """As ModelBackend: a person switched off after signing in is signed out at their next
        request (mozilla-django-oidc's own ``get_user`` would keep them in)."""
        return ModelBackend.get_user(self, user_id)


def provider_sign_out_url(request) -> str:
    """Where sign-out sends someone who came in through the provider: its end-session endpoint
    (RP-initiated logout), which ends their session there and sends them back to our sign-in
    page. Anyone else, or a provider without one (Google), goes straight to the sign-in page.
    mozilla-django-oidc calls this (``OIDC_OP_LOGOUT_URL_METHOD``) before the session ends."""
    local = resolve_url(settings.LOGOUT_REDIRECT_URL)
    id_token = request.session.get("oidc_id_token")
    if not id_token or not is_configured():
        return local
    try:
        endpoint = provider_setting("OIDC_OP_LOGOUT_ENDPOINT", "")
    except requests.RequestException as error:
        LOGGER.warning("Could not read the provider's end-session endpoint: %s", error)
        return local
    if not endpoint:
        return local
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": request.build_absolute_uri(local),
            "client_id": settings.OIDC_RP_CLIENT_ID,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
