"""Sign-in throttling: per user name and address, and per address alone with a higher limit.

django-axes counts failures per lockout parameter and compares the largest count with one
limit. One limit cannot say "5 tries at one user name, 20 tries from one address", so the
handler below reports the failures on the user-name scale: the address's count is scaled
by the ratio of the two limits, rounded down, so it reaches the user-name limit exactly
when the address reaches its own limit. Spraying one password over many user names from
one address is then slowed, while a colleague mistyping their own password is not locked
out by someone else's mistakes at another address.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


def client_address(request) -> str | None:
    """The address that failures are counted against.

    ``REMOTE_ADDR`` unless ``PMF_TRUSTED_PROXIES`` says how many proxies of ours stand in
    front: each appends the address it saw to ``X-Forwarded-For``, so the client is that
    many entries from the right. Anything further left was written by the client and is
    not believed, nor is the header at all without a trusted proxy.
    """
    proxies = settings.PMF_TRUSTED_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def is_single_sign_on(request) -> bool:
    """Is this the provider's answer arriving at our callback (accounts.sso)?"""
    match = getattr(request, "resolver_match", None)
    return bool(match) and match.view_name == "accounts:sso-callback"


class SignInThrottle(AxesDatabaseHandler):
    """axes' database handler with a second, higher limit for an address on its own.

    Expects ``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]``.
    """

    def is_whitelisted(self, request, credentials: dict | None = None) -> bool:
        """Single sign-on is neither counted nor paused: the provider guards its own passwords
        (with its multi-factor authentication), so a refusal here is not a guess at one of
        ours, and counting refusals (which name no user) would pause the provider's sign-in
        for everyone behind one office address."""
        if is_single_sign_on(request):
            return True
        return super().is_whitelisted(request, credentials)

    def get_failures(self, request, credentials: dict | None = None) -> int:
        by_name_and_address, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        name_limit, address_limit = settings.AXES_FAILURE_LIMIT, settings.PMF_SIGN_IN_ADDRESS_FAILURE_LIMIT
        return max(by_name_and_address, by_address * name_limit // address_limit)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful sign-in clears that person's failures from that address, and nothing
        else: the address's failures at other user names stand, so one valid account cannot
        wipe the address's count between rounds of guessing at others."""
        by_name_and_address = self.filter_user_attempts(request, credentials)[0]
        count, _ = by_name_and_address.delete()
        return count
