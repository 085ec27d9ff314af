"""The audit log: written inside the service's transaction, append-only in the database."""

import pytest
from django.db import DatabaseError, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.models import OrgUnitKind, Role
from accounts.policy import SYSTEM
from audit.models import Action, AuditEvent
from audit.services import AuditOutsideTransaction, audit_record, audit_record_many, model_snapshot
from organisation.services import org_unit_create, role_assignment_create, user_create, user_set_line_manager
from pmf.middleware import RequestIdMiddleware


def test_service_write_records_who_what_before_and_after(world):
    admin = world.people["performance_admin"]
    person = world.people["no_role"]
    user_set_line_manager(by=admin, user=person, line_manager=world.people["cmt"])
    event = AuditEvent.objects.get(object_type="accounts.user", object_id=str(person.pk), action="update")
    assert event.actor_id == admin.pk
    assert event.actor_name == admin.get_full_name()
    assert event.before == {"line_manager": world.people["service_lead"].pk}
    assert event.after == {"line_manager": world.people["cmt"].pk}


def test_password_hashes_never_reach_the_log(world):
    user = user_create(by=SYSTEM, username="new.person", first_name="New", last_name="Person", password="x" * 20)
    event = AuditEvent.objects.get(object_type="accounts.user", object_id=str(user.pk))
    assert "password" not in event.after
    assert "argon2" not in str(event.after)
    assert "password" not in model_snapshot(user)


def test_a_failed_service_leaves_neither_change_nor_audit(world):
    before = AuditEvent.objects.count()
    with pytest.raises(Exception):  # noqa: B017,PT011 - the unique code is what refuses it
        org_unit_create(by=SYSTEM, kind=OrgUnitKind.SERVICE, code="S1", name="Duplicate", parent=world.d1)
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_audit_outside_a_transaction_is_refused():
    from tests.factories import OrgUnitFactory

    unit = OrgUnitFactory(kind=OrgUnitKind.COUNCIL, code="Y")
    with pytest.raises(AuditOutsideTransaction):
        audit_record(actor=SYSTEM, action=Action.UPDATE, instance=unit)
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_rows_cannot_be_updated_or_deleted():
    from tests.factories import OrgUnitFactory

    unit = OrgUnitFactory(kind=OrgUnitKind.COUNCIL, code="X")
    with transaction.atomic():
        event = audit_record(actor=SYSTEM, action=Action.CREATE, instance=unit, after={"code": "X"})
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.action = "tampered"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "create"


def test_bulk_audit_is_one_insert(world, django_assert_num_queries):
    units = [world.d1, world.d2, world.s1, world.s2]
    with transaction.atomic(), django_assert_num_queries(1):
        audit_record_many(actor=SYSTEM, action=Action.REORDER, changes=[(u, None, {"code": u.code}) for u in units])
    assert AuditEvent.objects.filter(action="reorder").count() == 4


def test_request_id_is_recorded(world):
    admin = world.people["performance_admin"]

    def view(request):
        role_assignment_create(by=admin, user=world.people["no_role"], role=Role.SCRUTINY)
        return HttpResponse("ok")

    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="abc123")
    response = RequestIdMiddleware(view)(request)
    assert response["X-Request-ID"] == "abc123"
    event = AuditEvent.objects.get(object_type="accounts.roleassignment", actor_id=admin.pk)
    assert event.correlation_id == "request:abc123"


def test_admin_can_search_the_log_by_object_person_and_date(clients, world):
    user_set_line_manager(by=world.people["cmt"], user=world.people["no_role"], line_manager=None)
    response = clients["performance_admin"].get(
        "/audit/", {"object_type": "accounts.user", "actor": world.people["cmt"].last_name}
    )
    page = response.context["page"]
    assert [e.object_id for e in page] == [str(world.people["no_role"].pk)]
    empty = clients["performance_admin"].get("/audit/", {"date_from": "2001-01-01", "date_to": "2001-01-02"})
    assert empty.context["page"].paginator.count == 0


def test_search_with_dates_the_wrong_way_round_says_so(clients):
    response = clients["performance_admin"].get("/audit/", {"date_from": "2025-02-01", "date_to": "2025-01-01"})
    assert "The end date must be the same as or after the start date" in response.content.decode()
    assert 'value="2025-02-01"' in response.content.decode()
