"""A subject access request: everything the service holds about one person, in one file.

UK GDPR gives a person the right to a copy of their personal data. ``personal_data`` reads it
section by section (each one query); ``subject_access_export`` is the audited service a
performance admin calls, which records who exported whose data and when, never the content.

The export is the one place a performance admin reaches CIC objective text (otherwise read
only by the employee and their line management): the law gives the person a right to it,
and the audit record makes every export visible. Text others wrote about the person (a line
manager's note on their CIC objective) is theirs to have; notes the person wrote on someone
else's CIC objective are that other person's, and are left out.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import ApiToken, OrgUnit, RoleAssignment, User
from accounts.policy import Capability
from audit.models import Action, AuditEvent
from audit.services import audit_record
from core.services import require
from core.tabular import safe_text
from kpis.models import Escalation, EscalationUpdate, Kpi, KpiReturn, RedRunDecision, ReturnRevision
from planning.models import CicObjective, CicProgressNote, Objective, ProgressUpdate
from reporting.models import Notification

#: How the page names a section where its key does not read well as it is.
SECTION_TITLES = {
    "kpis_owned": "KPIs owned",
    "kpis_deputised": "KPIs deputised",
    "cic_objectives": "CIC objectives",
    "cic_progress_notes": "CIC progress notes",
    "api_tokens": "API tokens",
}
SIGN_IN_FIELDS = ("attempt_time", "username", "ip_address", "user_agent", "path_info")


def _rows(queryset, **fields) -> list[dict]:
    """``fields`` maps the export's column names to the queryset's lookups, in order."""
    return [{name: row[lookup] for name, lookup in fields.items()} for row in queryset.values(*fields.values())]


def _same(*names: str) -> dict[str, str]:
    return {name: name for name in names}


def personal_data(person: User) -> dict[str, list[dict]]:
    """Every section of the person's data, in the order the export lists them."""
    pk = person.pk
    names = {name for name in (person.username, person.email) if name}
    sign_in_names = Q(pk__in=[])
    for name in names:
        sign_in_names |= Q(username__iexact=name)
    cic_ids = list(CicObjective.objects.filter(employee=person).values_list("pk", flat=True))
    audit_subjects = (
        Q(actor_id=pk)
        | Q(object_type="accounts.user", object_id=str(pk))
        | Q(object_type="accounts.roleassignment", object_id__in=_ids(RoleAssignment.objects.filter(user=person)))
        | Q(object_type="accounts.apitoken", object_id__in=_ids(ApiToken.objects.filter(user=person)))
        | Q(object_type="planning.cicobjective", object_id__in=[str(i) for i in cic_ids])
        | Q(
            object_type="planning.cicprogressnote",
            object_id__in=_ids(CicProgressNote.objects.filter(cic_objective__in=cic_ids)),
        )
    )
    return {
        "profile": _rows(
            User.objects.filter(pk=pk),
            **_same("username", "first_name", "last_name", "email", "job_title", "employee_number"),
            works_in="org_unit__name",
            line_manager_first_name="line_manager__first_name",
            line_manager_last_name="line_manager__last_name",
            **_same("is_active", "date_joined", "last_login", "deactivated_at"),
        ),
        "roles": _rows(
            RoleAssignment.objects.filter(user=person).order_by("role"),
            role="role",
            unit="org_unit__name",
            portfolio="portfolio",
        ),
        "units_headed": _rows(OrgUnit.objects.filter(head=person), **_same("code", "name", "kind", "is_active")),
        "kpis_owned": _rows(Kpi.objects.filter(owner=person), **_same("code", "title")),
        "kpis_deputised": _rows(Kpi.objects.filter(deputy=person), **_same("code", "title")),
        "returns_entered": _rows(
            KpiReturn.objects.filter(Q(updated_by=person) | Q(submitted_by=person)).order_by("period_id", "kpi__code"),
            kpi="kpi__code",
            period_year="period__year",
            period_quarter="period__quarter",
            **_same("state", "value", "commentary", "actions", "data_quality_note", "updated_at", "submitted_at"),
            last_saved_by_them="updated_by_id",
            submitted_by_them="submitted_by_id",
        ),
        "returns_approved": _rows(
            KpiReturn.objects.filter(approved_by=person).order_by("period_id", "kpi__code"),
            kpi="kpi__code",
            period_year="period__year",
            period_quarter="period__quarter",
            **_same("state", "value", "approved_at", "returned_reason"),
        ),
        "return_revisions": _rows(
            ReturnRevision.objects.filter(revised_by=person),
            kpi="kpi_return__kpi__code",
            **_same("old_value", "new_value", "reason", "revised_at"),
        ),
        "objectives_owned": _rows(
            Objective.objects.filter(owner=person).order_by("plan_id", "id"),
            unit="plan__unit__name",
            **_same("title", "description", "status", "start_date", "due_date"),
        ),
        "objective_progress_updates": _rows(
            ProgressUpdate.objects.filter(recorded_by=person).order_by("date", "id"),
            objective="objective__title",
            **_same("date", "status", "note", "recorded_at"),
        ),
        "cic_objectives": _rows(
            CicObjective.objects.filter(employee=person),
            id="id",
            **_same("title", "description", "status", "created_at", "updated_at"),
            linked_objective="objective__title",
        ),
        "cic_progress_notes": _rows(
            CicProgressNote.objects.filter(cic_objective__employee=person).order_by("cic_objective_id", "date", "id"),
            cic_objective_id="cic_objective_id",
            **_same("date", "note"),
            recorded_by_first_name="recorded_by__first_name",
            recorded_by_last_name="recorded_by__last_name",
        ),
        "escalations": _rows(
            Escalation.objects.filter(Q(raised_by=person) | Q(owner=person)).order_by("raised_at", "id"),
            kpi="kpi__code",
            **_same("raised_at", "reason", "actions", "due_date", "closed_at", "resolution"),
            raised_by_them="raised_by_id",
            owned_by_them="owner_id",
        ),
        "escalation_updates": _rows(
            EscalationUpdate.objects.filter(recorded_by=person).order_by("recorded_at", "id"),
            kpi="escalation__kpi__code",
            **_same("note", "recorded_at"),
        ),
        "red_run_decisions": _rows(
            RedRunDecision.objects.filter(recorded_by=person).order_by("recorded_at", "id"),
            kpi="kpi__code",
            **_same("reason", "recorded_at"),
        ),
        "notifications": _rows(
            Notification.objects.filter(user=person).order_by("day", "id"),
            **_same("day", "subject", "items", "created_at", "emailed_at"),
        ),
        "sign_ins": _rows(
            AccessLog.objects.filter(sign_in_names).order_by("attempt_time"), **_same(*SIGN_IN_FIELDS, "logout_time")
        ),
        "failed_sign_ins": _rows(
            AccessAttempt.objects.filter(sign_in_names).order_by("attempt_time"),
            **_same(*SIGN_IN_FIELDS, "failures_since_start"),
        ),
        "sign_in_failure_log": _rows(
            AccessFailureLog.objects.filter(sign_in_names).order_by("attempt_time"),
            **_same(*SIGN_IN_FIELDS, "locked_out"),
        ),
        "api_tokens": _rows(
            ApiToken.objects.filter(user=person).order_by("created", "id"),
            **_same("name", "prefix", "created", "expires", "last_used", "revoked_at"),
        ),
        "audit_events": _rows(
            AuditEvent.objects.filter(audit_subjects).order_by("at", "id"),
            **_same(
                "at", "actor_name", "action", "object_type", "object_id", "object_repr", "before", "after", "reason"
            ),
        ),
    }


def _ids(queryset) -> list[str]:
    return [str(pk) for pk in queryset.values_list("pk", flat=True)]


README = """Subject access export: {name}
Made {when} by {by}.

personal-data.json holds every section below; each section is also a CSV file.
The CIC objective text and progress notes are private to the person and their line
management; this export is recorded in the audit log (who exported, whose data, when).

Sections and rows:
{sections}
"""


def export_zip(person: User, data: dict[str, list[dict]], *, by, when) -> bytes:
    """The data as a ZIP: all of it as JSON, each section as CSV, and a note on what it is."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        sections = "\n".join(f"- {name}: {len(rows)}" for name, rows in data.items())
        archive.writestr(
            "README.txt",
            README.format(
                name=person.display_name, when=f"{when:%Y-%m-%d %H:%M %Z}", by=by.display_name, sections=sections
            ),
        )
        archive.writestr("personal-data.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))
        for name, rows in data.items():
            archive.writestr(f"{name}.csv", _csv(rows))
    return buffer.getvalue()


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _cell(value) for key, value in row.items()})
    return out.getvalue()


def _cell(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return safe_text(value)


@transaction.atomic
def subject_access_export(*, by, person: User) -> bytes:
    """Export ``person``'s data for ``by`` and record that they did: who, whose, when and how
    many rows of each section, never the content (the log would otherwise hold a copy of
    the very data a later retention run deletes)."""
    require(by, Capability.EXPORT_PERSONAL_DATA)
    data = personal_data(person)
    when = timezone.localtime()
    audit_record(
        actor=by,
        action=Action.SUBJECT_ACCESS_EXPORT,
        instance=person,
        after={"rows": {name: len(rows) for name, rows in data.items()}},
        reason="Subject access request: everything the service holds about this person, exported",
    )
    return export_zip(person, data, by=by, when=when)
