"""API tokens: how a secret is made, how it is kept (its SHA-256 digest only) and how a
request that carries one is let in. ADR 0016 says why this is ours and not a library's.

A secret is ``pmf_`` and 43 characters of ``secrets.token_urlsafe(32)`` (256 random bits).
With that much entropy one unsalted SHA-256 is enough: there is no password to guess, so a
slow hash would buy nothing, and a plain digest lets the lookup be one indexed equality.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import ApiToken

#: Marks the string as ours, so a secret scanner (or a person) can recognise a leaked one.
SECRET_MARK = "pmf_"  # noqa: S105 - a public marker, not a secret
#: How much of the secret is kept in the clear to tell tokens apart (the mark and 8 more).
PREFIX_LENGTH = len(SECRET_MARK) + 8
#: A token's last-used time is written at most this often, so a dashboard refresh that makes
#: hundreds of requests makes one write.
LAST_USED_EVERY = timedelta(minutes=5)
#: The header word, as before: ``Authorization: Token pmf_...``.
KEYWORD = "Token"


def new_secret() -> str:
    return SECRET_MARK + secrets.token_urlsafe(32)


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <secret>``. A missing header is no answer (the session may still
    sign the request in); a header with an unknown, expired or revoked token, or one whose
    person is deactivated, is a 401. The request then acts as the token's person, with
    their roles and scope and nothing more."""

    def authenticate(self, request):
        words = authentication.get_authorization_header(request).split()
        if not words or words[0].lower() != KEYWORD.lower().encode():
            return None
        if len(words) != 2:
            raise exceptions.AuthenticationFailed("Give the token after the word Token, with no spaces in it.")
        try:
            secret = words[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("That is not a valid token.") from None
        return self.authenticate_secret(secret)

    def authenticate_secret(self, secret: str):
        token = ApiToken.objects.select_related("user").filter(digest=digest_of(secret)).first()
        now = timezone.now()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("That is not a valid token.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This token has been revoked.")
        if token.expires <= now:
            raise exceptions.AuthenticationFailed("This token has expired. Make a new one on the API tokens page.")
        if token.last_used is None or now - token.last_used >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
            token.last_used = now
        return token.user, token

    def authenticate_header(self, request) -> str:
        return KEYWORD


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Tells the OpenAPI document how a token is sent, so a client generator knows."""

    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <secret>`: make a token on the API tokens page; it expires and can be revoked.",
        }
