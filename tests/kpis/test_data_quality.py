"""The data quality policy's rule (``kpis.data_quality``), the attestation a service lead makes
with each return, and the directorate lead's check on approval."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from kpis.data_quality import ALL_MET, Dimension, attestation, attestation_problems, caveat, problem_key
from kpis.entry import ReturnEntry
from kpis.models import KpiReturn, ReturnState
from kpis.services.returns import return_approve, return_save, return_submit
from tests.kpis.conftest import ALL_MET_POSTED

ONE_CAVEAT = attestation(
    {**dict.fromkeys(Dimension.values, True), "timely": False}, {"timely": "The September extract was a week late"}
)


def test_every_dimension_must_be_answered_and_a_no_needs_a_reason():
    problems = attestation_problems({})
    assert set(problems) == {problem_key(d) for d in Dimension}
    assert problems[problem_key(Dimension.COMPLETE)] == "Say whether the figure is complete"
    unexplained = attestation({**dict.fromkeys(Dimension.values, True), "valid": False}, {"valid": "  "})
    assert attestation_problems(unexplained) == {problem_key("valid", why=True): "Say why the figure is not valid"}
    assert attestation_problems(ALL_MET) == {}
    assert attestation_problems(ONE_CAVEAT) == {}


def test_a_reason_is_kept_only_for_a_dimension_not_met():
    stored = attestation({"accurate": True, "valid": None}, {"accurate": "fine", "valid": "x"})
    assert stored == {"accurate": {"met": True, "why": ""}}


def test_a_caveat_is_a_dimension_not_met_or_a_note_with_the_attestation_and_nothing_when_unattested():
    assert caveat(ALL_MET, "") is None
    assert caveat({}, "") is None  # history: nobody attested, nothing to flag
    found = caveat(ONE_CAVEAT, "")
    assert found.unmet_labels == ["Timely"]
    assert found.text == "Not timely: The September extract was a week late."
    assert caveat(ALL_MET, "Estimated for one ward").text == "Estimated for one ward."
    # History's note says where the figure came from; nobody attested it, so it is no caveat.
    assert caveat({}, "Imported history") is None
    both = caveat(ONE_CAVEAT, "Estimated for one ward.")
    assert both.text == "Not timely: The September extract was a week late. Estimated for one ward."


@pytest.fixture
def saved(world):
    kpi_return = world.kpis["return_s1"]
    result = return_save(
        by=world.people["service_lead"],
        kpi_return=kpi_return,
        revision=kpi_return.revision,
        entry=ReturnEntry(value=D("80"), commentary="On track"),
    )
    return result.kpi_return


def test_submitting_without_the_attestation_is_refused_and_nothing_changes(world, saved):
    with pytest.raises(ValidationError) as error:
        return_submit(by=world.people["service_lead"], kpi_return=saved, revision=saved.revision)
    assert problem_key(Dimension.ACCURATE) in error.value.message_dict
    assert KpiReturn.objects.get(pk=saved.pk).state == ReturnState.DRAFT


def test_the_attestation_is_kept_with_the_return_and_in_the_audit_record(world, saved):
    result = return_submit(
        by=world.people["service_lead"],
        kpi_return=saved,
        revision=saved.revision,
        entry=ReturnEntry(data_quality=ONE_CAVEAT),
    )
    assert KpiReturn.objects.get(pk=saved.pk).data_quality == ONE_CAVEAT
    event = AuditEvent.objects.filter(object_id=str(saved.pk), action="return:submit").get()
    assert event.after["data_quality"]["timely"] == {"met": False, "why": "The September extract was a week late"}
    assert result.kpi_return.state == ReturnState.SUBMITTED


def test_the_reviewer_confirms_their_own_check_which_is_kept_and_audited(world, saved):
    return_submit(
        by=world.people["service_lead"],
        kpi_return=saved,
        revision=saved.revision,
        entry=ReturnEntry(data_quality=ALL_MET),
    )
    lead = world.people["directorate_lead"]
    with pytest.raises(ValidationError) as error:
        return_approve(by=lead, kpi_return=saved, quality_checked=False)
    assert "quality_checked" in error.value.message_dict
    assert KpiReturn.objects.get(pk=saved.pk).state == ReturnState.SUBMITTED
    return_approve(by=lead, kpi_return=saved, quality_checked=True, quality_note="Checked against the case system")
    approved = KpiReturn.objects.get(pk=saved.pk)
    assert (approved.state, approved.review_quality_checked) == (ReturnState.APPROVED, True)
    assert approved.review_quality_note == "Checked against the case system"
    event = AuditEvent.objects.filter(object_id=str(saved.pk), action="return:approve").get()
    assert event.after["review_quality_checked"] is True
    assert event.reason == "Checked against the case system"


def test_the_return_form_asks_each_dimension_and_puts_a_missing_reason_on_its_field(client, world):
    kpi_return = world.kpis["return_s1"]
    client.force_login(world.people["service_lead"])
    url = reverse("kpis:return-edit", args=[kpi_return.pk])
    page = client.get(url).content.decode()
    for dimension in Dimension:
        assert f'name="dq_{dimension}"' in page
    posted = {**ALL_MET_POSTED, "dq_complete": "no", "dq_complete_why": ""}
    response = client.post(url, {"revision": 0, "value": "80", "commentary": "c", **posted, "action": "submit"})
    assert response.status_code == 200
    body = response.content.decode()
    error = body[body.index('id="id_dq_complete_why-error"') :]
    assert "Say why the figure is not complete" in error[: error.index("</p>")]
    assert KpiReturn.objects.get(pk=kpi_return.pk).state == ReturnState.NOT_STARTED
    posted["dq_complete_why"] = "Two teams' cases are not yet on the system"
    response = client.post(url, {"revision": 0, "value": "80", "commentary": "c", **posted, "action": "submit"})
    assert response.status_code == 302
    stored = KpiReturn.objects.get(pk=kpi_return.pk).data_quality
    assert stored["complete"] == {"met": False, "why": "Two teams' cases are not yet on the system"}


def test_the_review_page_shows_the_attestation_and_approves_only_with_the_check(client, world, saved):
    return_submit(
        by=world.people["service_lead"],
        kpi_return=saved,
        revision=saved.revision,
        entry=ReturnEntry(data_quality=ONE_CAVEAT),
    )
    client.force_login(world.people["directorate_lead"])
    url = reverse("kpis:return-review", args=[saved.pk])
    page = client.get(url).content.decode()
    assert "The September extract was a week late" in page
    assert "Data quality caveat" in page
    response = client.post(url, {"action": "approve"})
    assert response.status_code == 400
    assert "Confirm you have checked the figure" in response.content.decode()
    assert KpiReturn.objects.get(pk=saved.pk).state == ReturnState.SUBMITTED
    response = client.post(url, {"action": "approve", "quality_checked": "on", "quality_note": "Seen the extract"})
    assert response.status_code == 302
    assert KpiReturn.objects.get(pk=saved.pk).review_quality_note == "Seen the extract"


def test_approving_from_the_queue_needs_the_check_too(client, world, saved):
    return_submit(
        by=world.people["service_lead"],
        kpi_return=saved,
        revision=saved.revision,
        entry=ReturnEntry(data_quality=ALL_MET),
    )
    client.force_login(world.people["directorate_lead"])
    url = reverse("kpis:review-queue")
    page = client.post(url, {"approve": [saved.pk]}, follow=True).content.decode()
    assert "Confirm you have checked the data quality" in page
    assert KpiReturn.objects.get(pk=saved.pk).state == ReturnState.SUBMITTED
    client.post(url, {"approve": [saved.pk], "quality_checked": "on"})
    assert KpiReturn.objects.get(pk=saved.pk).state == ReturnState.APPROVED
