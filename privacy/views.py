"""The subject access page: what the service holds about a person, and the audited download.

Reading the page records nothing (it shows only how many rows each section has); the
download is a POST, because it writes the audit record of who exported whose data.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.decorators import requires
from accounts.models import User
from accounts.policy import Capability
from privacy.subject_access import SECTION_TITLES, personal_data, subject_access_export


@never_cache
@requires(Capability.EXPORT_PERSONAL_DATA)
@require_http_methods(["GET", "POST"])
def subject_access(request, pk: int):
    person = get_object_or_404(
        User.objects.restrict(request.user, Capability.EXPORT_PERSONAL_DATA).select_related("org_unit"), pk=pk
    )
    if request.method == "POST":
        archive = subject_access_export(by=request.user, person=person)
        name = f"subject-access-{person.username}-{timezone.localdate():%Y-%m-%d}.zip"
        response = HttpResponse(archive, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    sections = [
        (SECTION_TITLES.get(name, name.replace("_", " ").capitalize()), len(rows))
        for name, rows in personal_data(person).items()
    ]
    return render(request, "privacy/subject_access.html", {"person": person, "sections": sections})
