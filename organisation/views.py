"""The HR imports (upload → preview → apply → result) and the leavers' hand-over page.

Between the preview and the apply the uploaded file is held in the person's session (the
database session store), keyed by a hash of its bytes: the apply form carries only that hash
and the plan's fingerprint, never the rows, and the file is checked again on apply.
"""

from __future__ import annotations

import base64
import hashlib

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import requires
from accounts.models import User
from accounts.policy import Capability
from core.forms import ImportForm
from core.imports import Checked, ImportRefused
from core.tabular import MAX_UPLOAD_BYTES, RowProblem
from organisation.holdings import holdings_of
from organisation.hr import KINDS, apply_previewed, preview

#: The preview lists at most this many of each kind of change (its counts are of all): a first
#: import's 2,000 joiners, listed in full, would make a page too long to read or check.
LIST_LIMIT = 500


def _longest_list(plan) -> int:
    names = ("joiners", "movers", "returners", "leavers", "added", "changes")
    return max(len(getattr(plan, name, ())) for name in names)


def _kind(slug: str):
    if slug not in KINDS:
        raise Http404("No such import")
    return KINDS[slug]


def _session_key(slug: str) -> str:
    return f"organisation-import:{slug}"


@requires(Capability.MANAGE_ORGANISATION)
def import_index(request):
    return render(request, "organisation/import_index.html", {"kinds": KINDS.values()})


@requires(Capability.MANAGE_ORGANISATION)
def import_template(request, kind: str):
    response = HttpResponse(_kind(kind).template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response


@requires(Capability.MANAGE_ORGANISATION)
def import_upload(request, kind: str):
    """Upload and check; a file with no problem shows its preview, held for the apply."""
    import_kind = _kind(kind)
    form = ImportForm(request.POST or None, request.FILES or None)
    form.fields["file"].help_text = "Columns: " + ", ".join(c.name for c in import_kind.columns)
    checked = None
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        data = uploaded.read(MAX_UPLOAD_BYTES + 1)
        checked, plan = preview(import_kind, uploaded.name or "", data)
        if not checked.problems:
            token = hashlib.sha256(data).hexdigest()
            request.session[_session_key(kind)] = {
                "token": token,
                "name": uploaded.name,
                "data": base64.b64encode(data).decode(),
            }
            return render(
                request,
                "organisation/import_preview.html",
                {
                    "kind": import_kind,
                    "plan": plan,
                    "token": token,
                    "digest": plan.digest(),
                    "rows": len(checked.rows),
                    "list_slice": f":{LIST_LIMIT}",
                    "list_limit": LIST_LIMIT,
                    "plan_is_long": _longest_list(plan) > LIST_LIMIT,
                },
            )
    return render(
        request,
        "organisation/import_upload.html",
        {"kind": import_kind, "form": form, "checked": checked},
        status=400 if checked and checked.problems else 200,
    )


@require_POST
@requires(Capability.MANAGE_ORGANISATION)
def import_apply(request, kind: str):
    import_kind = _kind(kind)
    held = request.session.get(_session_key(kind))
    if not held or held["token"] != request.POST.get("token", ""):
        messages.error(request, "That preview has expired or was replaced by another upload; upload the file again.")
        return redirect("organisation:import-upload", kind)
    data = base64.b64decode(held["data"])
    try:
        plan = apply_previewed(
            by=request.user, kind=import_kind, name=held["name"], data=data, digest=request.POST.get("digest", "")
        )
    except ImportRefused as refused:
        form = ImportForm()
        return render(
            request,
            "organisation/import_upload.html",
            {"kind": import_kind, "form": form, "checked": _refusal(str(refused))},
            status=409,
        )
    del request.session[_session_key(kind)]
    leavers = getattr(plan, "leavers", [])
    holdings = holdings_of([person.pk for person in leavers])
    return render(
        request,
        "organisation/import_result.html",
        {
            "kind": import_kind,
            "plan": plan,
            "leavers": [(person, holdings.get(person.pk, [])) for person in leavers],
        },
    )


def _refusal(message: str) -> Checked:
    return Checked(problems=[RowProblem(1, "", message)])


@requires(Capability.MANAGE_ORGANISATION)
def leavers(request):
    """People who have left but still hold something someone must take over."""
    gone = list(User.objects.filter(is_active=False).select_related("org_unit").order_by("last_name", "first_name"))
    holdings = holdings_of([person.pk for person in gone])
    rows = [
        (person, holdings[person.pk])
        for person in gone
        if any(not holding.for_information for holding in holdings.get(person.pk, []))
    ]
    return render(request, "organisation/leavers.html", {"leavers": rows})
