"""The HR import in the browser's terms (upload → preview → apply → result), the leavers'
hand-over, the command, and what a leaver's hand-over lists."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from organisation.holdings import holdings_of
from planning.models import CicObjective
from tests import hr_files
from tests.querycount import count_queries

HEADER = ",".join(hr_files.PEOPLE_HEADER)
#: The preview of a people file, however long: the session, the user, their roles, the open
#: units (for the row check), then the plan's people, open units and unit codes, and the
#: session saved with the file held in it.
PREVIEW_QUERIES = 10


def people_csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


@pytest.fixture
def numbered(world):
    """The world's no_role (who has a CIC objective) and s2.person (who owns KPI S2-01, its
    open return, an escalation and an objective) as HR knows them."""
    no_role, s2_person = world.people["no_role"], world.kpis["s2"].owner
    User.objects.filter(pk=no_role.pk).update(employee_number="E1", email="no.role@council.example")
    User.objects.filter(pk=s2_person.pk).update(employee_number="E2", email="s2.person@council.example")
    return world


def post_file(client, kind: str, data: bytes, name: str = "people.csv"):
    return client.post(reverse("organisation:import-upload", args=[kind]), {"file": SimpleUploadedFile(name, data)})


def test_upload_previews_then_apply_moves_a_person_who_keeps_their_cic_objectives(numbered, clients):
    world = numbered
    cic_before = list(CicObjective.objects.filter(employee=world.people["no_role"]).values_list("pk", flat=True))
    assert cic_before
    data = people_csv(
        "E1,No,Role,no.role@council.example,Analyst,T2,E2",  # moves from T1 to T2, under s2.person
        "E2,Sam,Two,s2.person@council.example,Head,S2,",
        "E3,New,Starter,new.starter@council.example,Officer,T2,E2",
    )
    admin = clients["performance_admin"]
    preview = post_file(admin, "people", data)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Check the changes before you apply them" in page
    assert "Unit: T1 → T2" in page
    assert "E3" in page
    assert User.objects.filter(employee_number="E3").count() == 0  # nothing yet
    token = preview.context["token"]
    result = admin.post(
        reverse("organisation:import-apply", args=["people"]), {"token": token, "digest": preview.context["digest"]}
    )
    assert result.status_code == 200
    assert "People imported" in result.content.decode()
    mover = User.objects.get(pk=world.people["no_role"].pk)
    assert (mover.org_unit.code, mover.line_manager.employee_number, mover.is_active) == ("T2", "E2", True)
    assert list(CicObjective.objects.filter(employee=mover).values_list("pk", flat=True)) == cic_before
    assert User.objects.get(employee_number="E3").username == "new.starter"
    # The held upload is spent: applying again is refused, nothing applied twice.
    again = admin.post(reverse("organisation:import-apply", args=["people"]), {"token": token, "digest": "x"})
    assert again.status_code == 302
    assert User.objects.filter(employee_number="E3").count() == 1


def test_a_leaver_is_deactivated_and_what_they_held_is_listed_for_hand_over(numbered, clients):
    world = numbered
    s2_person = world.kpis["s2"].owner
    data = people_csv("E1,No,Role,no.role@council.example,Analyst,T1,")
    admin = clients["performance_admin"]
    preview = post_file(admin, "people", data)
    assert preview.context["plan"].leavers == [s2_person]
    result = admin.post(
        reverse("organisation:import-apply", args=["people"]),
        {"token": preview.context["token"], "digest": preview.context["digest"]},
    )
    page = result.content.decode()
    assert "Leavers to hand over" in page
    for expected in ("KPI they own", "S2-01", "Return in progress", "Open escalation they own", "Objective they own"):
        assert expected in page
    assert reverse("kpis:kpi-edit", args=["S2-01"]) in page
    gone = User.objects.get(pk=s2_person.pk)
    assert gone.is_active is False
    listing = admin.get(reverse("organisation:leavers")).content.decode()
    assert "S2-01" in listing
    assert gone.display_name in listing


def test_holdings_list_cic_objectives_for_information_without_their_words(numbered):
    world = numbered
    no_role = world.people["no_role"]
    held = holdings_of([no_role.pk])[no_role.pk]
    cic = [h for h in held if h.kind.startswith("CIC")]
    assert len(cic) == 1
    assert cic[0].for_information
    assert "Learn SQL" not in cic[0].label


def test_apply_is_refused_when_the_organisation_changed_since_the_preview(numbered, clients):
    data = people_csv("E1,No,Role,no.role@council.example,Analyst,T2,", "E2,Sam,Two,s2.person@council.example,,S2,")
    admin = clients["performance_admin"]
    preview = post_file(admin, "people", data)
    User.objects.filter(employee_number="E1").update(org_unit=numbered.t2)  # someone moved them meanwhile
    result = admin.post(
        reverse("organisation:import-apply", args=["people"]),
        {"token": preview.context["token"], "digest": preview.context["digest"]},
    )
    assert result.status_code == 409
    assert "changed since the preview" in result.content.decode()
    assert AuditEvent.objects.filter(reason__startswith="People import").count() == 0


def test_a_forged_token_applies_nothing(numbered, clients):
    admin = clients["performance_admin"]
    post_file(admin, "people", people_csv("E1,No,Role,no.role@council.example,Analyst,T2,"))
    result = admin.post(reverse("organisation:import-apply", args=["people"]), {"token": "0" * 64, "digest": ""})
    assert result.status_code == 302
    assert User.objects.get(employee_number="E1").org_unit.code == "T1"


def test_a_file_with_problems_shows_the_row_report_and_no_apply_button(numbered, clients):
    response = post_file(
        clients["performance_admin"], "people", people_csv("E1,No,Role,not-an-email,Analyst,NOWHERE,E1")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "Apply these changes" not in page


def test_the_preview_page_makes_as_many_queries_for_many_people_as_for_few(numbered, clients):
    admin = clients["performance_admin"]

    def rows(n):
        return people_csv(
            "E1,No,Role,no.role@council.example,Analyst,T1,",
            "E2,Sam,Two,s2.person@council.example,,S2,",
            *[f"E{100 + i},P{i},Q,p{i}@council.example,Officer,T1,E1" for i in range(n)],
        )

    few = count_queries(lambda: post_file(admin, "people", rows(5)))
    many = count_queries(lambda: post_file(admin, "people", rows(200)))
    assert few == many == PREVIEW_QUERIES


def test_the_command_previews_with_dry_run_and_applies(numbered, tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_bytes(
        people_csv(
            "E1,No,Role,no.role@council.example,Analyst,T1,",
            "E2,Sam,Two,s2.person@council.example,,S2,",
            "E7,Jo,Join,jo@council.example,Officer,T1,E1",
        )
    )
    call_command("import_people", str(path), "--as", "performance_admin", "--dry-run")
    out = capsys.readouterr().out
    assert "Joiners: 1" in out
    assert "Dry run" in out
    assert not User.objects.filter(employee_number="E7").exists()
    call_command("import_people", str(path), "--as", "performance_admin")
    assert User.objects.filter(employee_number="E7", is_active=True).exists()


def test_a_leavers_kpis_are_handed_over_to_one_person_each_change_audited(numbered, clients):
    world = numbered
    s2_person, successor = world.kpis["s2"].owner, world.people["service_lead"]
    admin = clients["performance_admin"]
    post_file(admin, "people", people_csv("E1,No,Role,no.role@council.example,Analyst,T1,"))
    listing = admin.get(reverse("organisation:leavers")).content.decode()
    url = reverse("kpis:kpi-hand-over", args=[s2_person.pk])
    assert url not in listing  # not yet applied: s2.person has not left
    preview = post_file(admin, "people", people_csv("E1,No,Role,no.role@council.example,Analyst,T1,"))
    admin.post(
        reverse("organisation:import-apply", args=["people"]),
        {"token": preview.context["token"], "digest": preview.context["digest"]},
    )
    assert url in admin.get(reverse("organisation:leavers")).content.decode()
    refused = admin.post(url, {"to_person": s2_person.username})
    assert refused.status_code == 200
    assert "No one still here" in refused.content.decode()
    response = admin.post(url, {"to_person": successor.username})
    assert response.status_code == 302
    world.kpis["s2"].refresh_from_db()
    assert world.kpis["s2"].owner == successor
    event = AuditEvent.objects.filter(object_type="kpis.kpi", object_id=str(world.kpis["s2"].pk)).latest("at")
    assert (event.before["owner"], event.after["owner"]) == (s2_person.pk, successor.pk)
    after = admin.get(reverse("organisation:leavers")).content.decode()
    assert "KPI they own" not in after
    assert url not in after
    assert "Open escalation they own" in after  # still theirs: escalations are handed over one by one


def test_holdings_list_the_roles_a_person_holds(world):
    lead = world.people["service_lead"]
    roles = [h for h in holdings_of([lead.pk])[lead.pk] if h.kind == "Role they hold"]
    assert [h.label for h in roles] == [f"Service lead for {world.s1.name}"]
    assert roles[0].url == reverse("accounts:org-unit-detail", args=[world.s1.code])
