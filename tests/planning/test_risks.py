"""The risk register: scores and bands, scope, escalation up the registers with its trail,
reviews, actions, links, and the import and export that read each other."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.policy import Capability
from audit.models import Action, AuditEvent
from planning.models import Risk, RiskEscalation
from planning.risk_scores import band, score_text
from planning.services import risk_action_add, risk_create, risk_escalate, risk_review, risk_update

TODAY = datetime.date.today()


def scores(likelihood: int = 3, impact: int = 4) -> dict:
    return {
        f"{stage}_{part}": value
        for stage in ("inherent", "current", "target")
        for part, value in (("likelihood", likelihood), ("impact", impact))
    }


def new_risk(world, by="service_lead", unit=None, **fields):
    person = world.people[by]
    values = {
        "title": "Care market failure",
        "event": "A large provider leaves",
        "owner": person,
        "review_date": TODAY + datetime.timedelta(days=30),
        **scores(),
        **fields,
    }
    return risk_create(by=person, unit=unit or world.s1, **values)


@pytest.mark.parametrize(
    ("score", "words"),
    [
        (1, "Low"),
        (3, "Low"),
        (4, "Medium"),
        (6, "Medium"),
        (8, "High"),
        (12, "High"),
        (15, "Very high"),
        (25, "Very high"),
    ],
)
def test_every_score_has_its_band_in_words(score, words):
    assert band(score).label == words


def test_a_score_is_likelihood_times_impact_with_its_band():
    assert score_text(3, 4) == "12 High"
    assert score_text(5, 5) == "25 Very high"
    assert score_text(None, 3) == "Not scored"
    with pytest.raises(ValueError, match="1 to 25"):
        band(26)


def test_a_team_keeps_no_register_of_its_own(world):
    with pytest.raises(ValidationError) as excinfo:
        new_risk(world, by="performance_admin", unit=world.t1)
    assert "unit" in excinfo.value.message_dict


def test_a_lead_keeps_only_the_registers_within_their_units(world):
    with pytest.raises(PermissionDenied):
        new_risk(world, by="service_lead", unit=world.s2)
    with pytest.raises(PermissionDenied):
        new_risk(world, by="cmt", unit=world.s1)  # CMT reads every register but keeps none
    assert new_risk(world, by="directorate_lead", unit=world.s1).unit == world.s1


def test_each_reads_the_registers_within_their_scope(world):
    corporate = new_risk(world, by="performance_admin", unit=world.council, title="Cyber attack")
    directorate = new_risk(world, by="directorate_lead", unit=world.d1, title="Directorate budget")
    service = world.thread["risk_s1"]
    other_service = world.thread["risk_s2"]

    def seen(persona):
        return set(Risk.objects.restrict(world.people[persona], Capability.VIEW_RISKS))

    assert seen("service_lead") == {service}
    assert seen("directorate_lead") == {service, directorate}
    assert seen("cmt") == {corporate, directorate, service, other_service}
    assert seen("scrutiny") == set()
    assert seen("no_role") == set()
    # The owner of a risk reads it wherever it sits (their reminders lead to it).
    Risk.objects.filter(pk=corporate.pk).update(owner=world.people["no_role"])
    assert seen("no_role") == {corporate}


def test_a_service_risk_escalates_to_its_directorate_then_the_corporate_register_keeping_its_history(world):
    risk = world.thread["risk_s1"]
    risk_action_add(
        by=world.people["service_lead"],
        risk=risk,
        description="Recruitment campaign",
        owner=world.people["service_lead"],
        due_date=TODAY + datetime.timedelta(days=60),
    )
    risk.kpis.add(world.kpis["s1"])
    with pytest.raises(ValidationError) as excinfo:
        risk_escalate(by=world.people["service_lead"], risk=risk, reason="  ")
    assert "reason" in excinfo.value.message_dict

    risk_escalate(by=world.people["service_lead"], risk=risk, reason="Beyond the service's control")
    risk.refresh_from_db()
    assert risk.unit == world.d1
    # Now the directorate's: the service lead no longer keeps it, the directorate lead does.
    with pytest.raises(PermissionDenied):
        risk_escalate(by=world.people["service_lead"], risk=risk, reason="Again")
    risk_escalate(by=world.people["directorate_lead"], risk=risk, reason="Affects the whole council")
    risk.refresh_from_db()
    assert risk.unit == world.council
    with pytest.raises(ValidationError, match="top"):
        risk_escalate(by=world.people["performance_admin"], risk=risk, reason="Higher still")

    trail = list(RiskEscalation.objects.filter(risk=risk).values_list("from_unit__code", "to_unit__code", "reason"))
    assert trail == [
        ("S1", "D1", "Beyond the service's control"),
        ("D1", "C", "Affects the whole council"),
    ]
    assert risk.actions.count() == 1
    assert list(risk.kpis.all()) == [world.kpis["s1"]]
    audited = AuditEvent.objects.filter(object_type="planning.risk", object_id=str(risk.pk))
    escalations = audited.filter(action=Action.RISK_ESCALATE).order_by("at")
    assert [e.reason for e in escalations] == ["Beyond the service's control", "Affects the whole council"]


def test_a_review_records_the_day_moves_the_next_and_is_audited(world):
    risk = world.thread["risk_s1"]
    with pytest.raises(ValidationError):
        risk_review(by=world.people["service_lead"], risk=risk, next_review_date=TODAY)
    risk_review(
        by=world.people["service_lead"],
        risk=risk,
        next_review_date=TODAY + datetime.timedelta(days=90),
        current_likelihood=2,
    )
    risk.refresh_from_db()
    assert (risk.last_reviewed_on, risk.current_text) == (TODAY, "8 High")
    assert not risk.review_overdue()
    assert AuditEvent.objects.filter(action=Action.RISK_REVIEW, object_id=str(risk.pk)).exists()


def test_links_to_objectives_and_kpis_are_set_and_audited(world):
    risk = world.thread["risk_s1"]
    risk_update(
        by=world.people["service_lead"],
        risk=risk,
        objectives=[world.thread["s1_objective"]],
        kpis=[world.kpis["s1"], world.kpis["s2"]],
    )
    assert set(risk.kpis.all()) == {world.kpis["s1"], world.kpis["s2"]}
    event = AuditEvent.objects.filter(object_type="planning.risk", action=Action.UPDATE).latest("at")
    assert event.after["kpis"] == sorted([world.kpis["s1"].pk, world.kpis["s2"].pk])
    assert event.after["objectives"] == [world.thread["s1_objective"].pk]


def test_the_register_page_shows_scores_in_words_and_the_matrix(world, clients):
    body = clients["directorate_lead"].get(reverse("planning:risk-register")).content.decode()
    assert "Staff turnover" in body
    assert "12 High" in body
    assert "Budget pressure" not in body  # another directorate's service
    assert "4 Likely" in body  # the matrix's axes in words
    assert "3 Moderate" in body


def test_the_form_adds_a_risk_to_a_register_the_lead_keeps(world, clients):
    data = {
        "unit": world.s1.pk,
        "title": "Data breach",
        "cause": "Paper files",
        "event": "Personal data is lost",
        "effect": "Fine and harm",
        "owner": world.people["service_lead"].username,
        **{key: str(value) for key, value in scores(4, 5).items()},
        "controls": "Training",
        "review_date": (TODAY + datetime.timedelta(days=30)).isoformat(),
        "status": "open",
        "kpis": [world.kpis["s1"].pk],
    }
    response = clients["service_lead"].post(reverse("planning:risk-add"), data)
    risk = Risk.objects.get(title="Data breach")
    assert response.status_code == 302
    assert (risk.unit, risk.current_text, list(risk.kpis.all())) == (world.s1, "20 Very high", [world.kpis["s1"]])
    refused = clients["service_lead"].post(reverse("planning:risk-add"), {**data, "unit": world.s2.pk})
    assert refused.status_code == 200  # not a register they keep: not a choice
    assert not Risk.objects.filter(unit=world.s2, title="Data breach").exists()


def test_the_export_reads_back_as_an_import_that_changes_and_adds_risks(world, clients):
    lead = clients["service_lead"]
    exported = lead.get(reverse("planning:risk-export", kwargs={"fmt": "csv"})).getvalue().decode()
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [r["title"] for r in rows] == ["Staff turnover"]
    rows[0]["current_likelihood"] = "2"
    rows[0]["kpis"] = world.kpis["s1"].code
    rows.append({**rows[0], "reference": "", "title": "Lone working", "kpis": ""})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    response = lead.post(
        reverse("planning:risk-import"), {"file": SimpleUploadedFile("r.csv", out.getvalue().encode())}
    )
    assert response.status_code == 302, response.context["checked"].problems
    changed = world.thread["risk_s1"]
    changed.refresh_from_db()
    assert (changed.current_text, list(changed.kpis.all())) == ("8 High", [world.kpis["s1"]])
    assert Risk.objects.get(title="Lone working").unit == world.s1


def test_an_import_into_a_register_the_person_does_not_keep_is_refused_whole(world, clients):
    template = clients["service_lead"].get(reverse("planning:risk-import-template")).content.decode()
    header, example = template.splitlines()
    good = example.replace("ASC", world.s1.code).replace("a.owner", world.people["service_lead"].username)
    bad = example.replace("ASC", world.s2.code).replace("a.owner", world.people["service_lead"].username)
    content = "\n".join([header, good, bad]).encode()
    response = clients["service_lead"].post(
        reverse("planning:risk-import"), {"file": SimpleUploadedFile("r.csv", content)}
    )
    assert response.status_code == 400
    problems = [(p.row, p.column) for p in response.context["checked"].problems]
    assert problems == [(3, "register")]
    assert not Risk.objects.filter(title="Care market failure").exists()


def test_an_owner_without_a_role_opens_the_risk_their_reminder_links_to(world, clients):
    risk = world.thread["risk_s1"]
    url = reverse("planning:risk-detail", kwargs={"pk": risk.pk})
    assert clients["no_role"].get(url).status_code == 404
    Risk.objects.filter(pk=risk.pk).update(owner=world.people["no_role"])
    assert clients["no_role"].get(url).status_code == 200
    assert clients["no_role"].get(reverse("planning:risk-register")).status_code == 403
