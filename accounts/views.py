"""Sign-in and sign-out, and the organisation pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, render
from django.utils.decorators import method_decorator

from accounts.decorators import requires
from accounts.forms import SignInForm
from accounts.models import OrgUnit, RoleAssignment, User
from accounts.policy import Capability, has_capability


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """Sign-out is a POST (a form button in the header) so a link cannot sign someone out."""

    http_method_names = ["post", "options"]


@requires(Capability.VIEW_ORGANISATION)
def org_unit_list(request):
    units = list(OrgUnit.objects.restrict(request.user, Capability.VIEW_ORGANISATION).select_related("head", "parent"))
    return render(
        request,
        "accounts/org_unit_list.html",
        {"units": units, "manages_roles": has_capability(request.user, Capability.MANAGE_ROLES)},
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
