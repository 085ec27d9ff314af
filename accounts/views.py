"""Sign-in and sign-out, and the organisation pages."""

from __future__ import annotations

import requests
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import View
from mozilla_django_oidc import views as oidc_views

from accounts import sso
from accounts.decorators import requires
from accounts.forms import SignInForm
from accounts.models import OrgUnit, RoleAssignment, User
from accounts.policy import Capability, has_capability


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    """The password form and, when the council's provider is configured, "Sign in with ...".

    With password sign-in switched off (``PMF_PASSWORD_SIGN_IN=0``) the form is not shown and
    a POST of credentials is refused before any backend sees it."""

    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and not settings.PMF_PASSWORD_SIGN_IN:
            return HttpResponseNotAllowed(["GET"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            single_sign_on=sso.is_configured(),
            provider_name=settings.PMF_OIDC_PROVIDER_NAME,
            password_sign_in=settings.PMF_PASSWORD_SIGN_IN,
            **kwargs,
        )


@method_decorator([never_cache], name="dispatch")
class SignOutView(oidc_views.OIDCLogoutView):
    """Sign-out is a POST (a form button in the header) so a link cannot sign someone out.
    Someone who came in through the provider is signed out there too
    (``accounts.sso.provider_sign_out_url``)."""

    http_method_names = ["post", "options"]
    get_settings = staticmethod(sso.provider_setting)


@method_decorator([login_not_required, never_cache], name="dispatch")
class SingleSignOnStartView(oidc_views.OIDCAuthenticationRequestView):
    """Sends the browser to the provider's sign-in, with state, nonce and a PKCE challenge."""

    get_settings = staticmethod(sso.provider_setting)

    def __init__(self, *args, **kwargs):
        View.__init__(self, *args, **kwargs)  # the endpoints are read per request, below

    def get(self, request):
        if not sso.is_configured():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = sso.provider_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except requests.RequestException:
            sso.refuse(request, sso.Refusal.NOT_COMPLETED)
            return HttpResponseRedirect(reverse("accounts:sso-refused"))
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


@method_decorator([login_not_required, never_cache], name="dispatch")
class SingleSignOnCallbackView(oidc_views.OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back: the code is exchanged and the person matched
    (``accounts.sso.SignInByEmail``); anything short of one active person goes to the refusal page."""

    get_settings = staticmethod(sso.provider_setting)

    @property
    def failure_url(self) -> str:
        return reverse("accounts:sso-refused")

    def get(self, request):
        if not sso.is_configured():
            raise Http404
        try:
            return super().get(request)
        except SuspiciousOperation:
            # A state this browser never sent: a stale tab, or an answer meant for someone else.
            sso.refuse(request, sso.Refusal.NOT_COMPLETED)
            return self.login_failure()


@login_not_required
@never_cache
def single_sign_on_refused(request):
    """Why the provider's sign-in did not let the person in, and whom to ask."""
    return render(
        request,
        "accounts/sso_refused.html",
        {
            "refusal": sso.take_refusal(request),
            "provider_name": settings.PMF_OIDC_PROVIDER_NAME,
            "support_contact": settings.PMF_SUPPORT_CONTACT,
        },
    )


@requires(Capability.VIEW_ORGANISATION)
def org_unit_list(request):
    units = list(OrgUnit.objects.restrict(request.user, Capability.VIEW_ORGANISATION).select_related("head", "parent"))
    return render(
        request,
        "accounts/org_unit_list.html",
        {
            "units": units,
            "can_manage": has_capability(request.user, Capability.MANAGE_ORGANISATION),
            "manages_roles": has_capability(request.user, Capability.MANAGE_ROLES),
        },
    )


@requires(Capability.VIEW_ORGANISATION)
def org_unit_detail(request, code: str):
    unit = get_object_or_404(
        OrgUnit.objects.restrict(request.user, Capability.VIEW_ORGANISATION).select_related("head", "parent"),
        code=code,
    )
    children = unit.children.select_related("head").order_by("name")
    members = User.objects.filter(org_unit=unit, is_active=True).select_related("line_manager")
    role_holders = RoleAssignment.objects.filter(org_unit=unit).select_related("user").order_by("role")
    return render(
        request,
        "accounts/org_unit_detail.html",
        {
            "unit": unit,
            "ancestors": OrgUnit.objects.filter(path__in=unit.ancestor_paths[:-1]).order_by("path"),
            "children": children,
            "members": members,
            "role_holders": role_holders,
            # People link to their pages (their roles) for those who may change roles.
            "manages_roles": has_capability(request.user, Capability.MANAGE_ROLES),
        },
    )
