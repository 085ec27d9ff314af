"""Making and revoking API tokens, each audited. The audit log records the token's name,
visible prefix, person and expiry; never its secret or digest (``ApiToken.audit_exclude``).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.policy import Capability, has_capability
from accounts.tokens import PREFIX_LENGTH, digest_of, new_secret
from audit.models import Action
from audit.services import audit_record, model_snapshot

#: The lifetimes a person may choose, in days; the longest is the most a token may live.
EXPIRY_CHOICES = (30, 90, 365)
MAX_DAYS = max(EXPIRY_CHOICES)


@transaction.atomic
def api_token_create(*, by: User, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token for ``by`` themself (nobody makes a token that acts as someone else).
    Returns the token and its secret; the secret is not kept and cannot be shown again."""
    if not has_capability(by, Capability.USE_API):
        raise PermissionDenied("You cannot use the API.")
    if days not in EXPIRY_CHOICES:
        raise ValidationError({"days": f"Choose one of {', '.join(map(str, EXPIRY_CHOICES))} days."})
    secret = new_secret()
    now = timezone.now()
    token = ApiToken(
        user=by,
        name=name.strip(),
        prefix=secret[:PREFIX_LENGTH],
        digest=digest_of(secret),
        created=now,
        expires=now + timedelta(days=days),
    )
    token.full_clean()
    token.save()
    audit_record(actor=by, action=Action.CREATE, instance=token, after=model_snapshot(token))
    return token, secret


@transaction.atomic
def api_token_revoke(*, by: User, token: ApiToken) -> ApiToken:
    """Stop a token working at once: its own person may, and so may whoever manages API
    tokens (a performance admin revoking a leaver's). Revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != by.pk and not has_capability(by, Capability.MANAGE_API_TOKENS):
        raise PermissionDenied("Only its owner or a performance admin can revoke this token.")
    if token.revoked_at is not None:
        return token
    fields = ["revoked_at", "revoked_by"]
    before = model_snapshot(token, fields=fields)
    token.revoked_at = timezone.now()
    token.revoked_by = by
    token.save(update_fields=fields)
    audit_record(
        actor=by, action=Action.UPDATE, instance=token, before=before, after=model_snapshot(token, fields=fields)
    )
    return token
