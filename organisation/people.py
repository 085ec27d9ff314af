"""People and their roles: find a person, see the roles they hold, grant one, remove one.

The pages are for holders of ``manage_roles`` and read people through
``User.objects.restrict`` like every other page; which roles may be granted to whom is
``accounts.policy.role_change_refusal``, asked here to offer only what will be accepted and
again by the organisation services, which write and audit.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render

from accounts.decorators import requires
from accounts.models import Role, RoleAssignment, User
from accounts.policy import Capability, has_capability, role_change_refusal
from core.views import redirect_after_save, submit
from organisation.forms import RoleGrantForm
from organisation.services import role_assignment_create, role_assignment_delete

PEOPLE_PAGE_SIZE = 50


def _people(request):
    return User.objects.restrict(request.user, Capability.MANAGE_ROLES)


@requires(Capability.MANAGE_ROLES)
def person_list(request):
    """Everyone the role manager may see, searched by name, user name, email or job title, a
    page at a time (a council has thousands of staff)."""
    search = request.GET.get("q", "").strip()[:100]
    people = (
        _people(request)
        .matching(search)
        .select_related("org_unit")
        .prefetch_related(Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("org_unit")))
        .order_by("last_name", "first_name", "username")
    )
    page = Paginator(people, PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "organisation/person_list.html",
        {"page": page, "search": search, "query": urlencode({"q": search}) if search else ""},
    )


@requires(Capability.MANAGE_ROLES)
def person_detail(request, pk: int):
    """A person, the roles they hold (each with Remove), and Grant a role, which posts here."""
    person = get_object_or_404(_people(request).select_related("org_unit", "line_manager"), pk=pk)
    refusals = {role: role_change_refusal(request.user, person, role) for role in Role}
    roles = [role for role, refusal in refusals.items() if refusal is None] if person.is_active else []
    if request.method == "POST" and not roles:
        left = f"{person.display_name} has left: no role can be granted."
        raise PermissionDenied(next((refusal for refusal in refusals.values() if refusal), left))
    form = RoleGrantForm(request.POST if request.method == "POST" else None, roles=roles)

    def grant(form):
        data = form.cleaned_data
        assignment = role_assignment_create(
            by=request.user, user=person, role=data["role"], org_unit=data["org_unit"], portfolio=data["portfolio"]
        )
        messages.success(request, f"{person.display_name} is now {_role_phrase(assignment)}.")
        return redirect_after_save(request, "organisation:person-detail", pk=person.pk)

    saved = submit(request, form, grant)
    if saved:
        return saved
    assignments = list(person.role_assignments.select_related("org_unit").order_by("role", "org_unit__name"))
    return render(
        request,
        "organisation/person_detail.html",
        {
            "person": person,
            "assignments": [(a, role_change_refusal(request.user, person, a.role) is None) for a in assignments],
            "form": form if roles else None,
            "own_page": person.pk == request.user.pk,
            "may_export": has_capability(request.user, Capability.EXPORT_PERSONAL_DATA),
        },
        status=400 if form.errors else 200,
    )


def _role_phrase(assignment: RoleAssignment) -> str:
    """ "a service lead for Housing": how a success message names a role."""
    label = assignment.get_role_display()
    article = "an" if label[0].lower() in "aeiou" else "a"
    return f"{article} {label.lower()}" + (f" for {assignment.org_unit}" if assignment.org_unit_id else "")


@requires(Capability.MANAGE_ROLES)
def role_remove(request, pk: int, assignment_pk: int):
    """Remove a role: a page that asks to confirm, whose button posts."""
    person = get_object_or_404(_people(request), pk=pk)
    assignment = get_object_or_404(person.role_assignments.select_related("org_unit", "user"), pk=assignment_pk)
    refusal = role_change_refusal(request.user, person, assignment.role)
    if refusal:
        raise PermissionDenied(refusal)
    if request.method == "POST":
        phrase = _role_phrase(assignment)
        try:
            role_assignment_delete(by=request.user, assignment=assignment)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{person.display_name} is no longer {phrase}.")
        return redirect("organisation:person-detail", pk=person.pk)
    return render(request, "organisation/role_remove.html", {"person": person, "assignment": assignment})
