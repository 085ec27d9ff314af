"""The API tokens pages: a person's own tokens (make, see, revoke), and for a performance
admin everyone's (to revoke a leaver's). Thin: a form, a service, a redirect or a render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.decorators import requires
from accounts.models import ApiToken
from accounts.policy import Capability, has_capability
from core.forms import ServiceErrorsMixin
from organisation.api_tokens import EXPIRY_CHOICES, api_token_create, api_token_revoke


class ApiTokenForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label="Name", max_length=100, help_text="So you can tell your tokens apart, for example “Power BI dashboard”."
    )
    days = forms.TypedChoiceField(
        label="Expires after",
        coerce=int,
        choices=[(days, f"{days} days") for days in EXPIRY_CHOICES],
        initial=EXPIRY_CHOICES[1],
        widget=forms.RadioSelect,
    )


def _own_tokens(user):
    return ApiToken.objects.filter(user=user).select_related("revoked_by")


@never_cache
@requires(Capability.USE_API)
@require_http_methods(["GET", "POST"])
def api_token_list(request):
    """The person's own tokens and the form to make one. A new token's secret is in this
    response only (not stored, not in a redirect, not cached): it cannot be shown again."""
    form = ApiTokenForm(request.POST or None)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = api_token_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            form = ApiTokenForm()
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "tokens": _own_tokens(request.user),
            "created": created,
            "secret": secret,
            "api_url": request.build_absolute_uri(reverse("api:kpi-list")),
            "may_manage": has_capability(request.user, Capability.MANAGE_API_TOKENS),
        },
    )


@requires(Capability.MANAGE_API_TOKENS)
def api_token_everyone(request):
    """Every live token in the council, with its person, for an admin dealing with a leaver."""
    tokens = (
        ApiToken.objects.restrict(request.user, Capability.MANAGE_API_TOKENS)
        .live()
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "-created")
    )
    return render(request, "accounts/api_tokens_everyone.html", {"tokens": tokens})


@requires(Capability.USE_API)
@require_http_methods(["GET", "POST"])
def api_token_revoke_view(request, pk: int):
    """Confirm, then revoke. Someone else's token is not found (404) unless the person may
    manage everyone's tokens."""
    token = get_object_or_404(
        ApiToken.objects.restrict(request.user, Capability.MANAGE_API_TOKENS).select_related("user"), pk=pk
    )
    own = token.user_id == request.user.pk
    back = reverse("api_tokens:list") if own else reverse("api_tokens:everyone")
    if request.method == "POST":
        api_token_revoke(by=request.user, token=token)
        messages.success(request, f"The token “{token.name}” has been revoked. It no longer works.")
        return redirect(back)
    return render(request, "accounts/api_token_revoke.html", {"token": token, "own": own, "cancel_url": back})
