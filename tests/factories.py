"""factory_boy factories for the models tests build on."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import OrgUnit, OrgUnitKind, RoleAssignment, User
from planning.models import CouncilPlan, Objective, ObjectiveStatus, PlanNode, UnitPlan

TEST_PASSWORD = "correct-horse-battery"
_HASH_CACHE: dict[str, str] = {}


def _test_password_hash() -> str:
    if "hash" not in _HASH_CACHE:
        _HASH_CACHE["hash"] = make_password(TEST_PASSWORD)
    return _HASH_CACHE["hash"]


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    kind = OrgUnitKind.COUNCIL
    code = factory.Sequence(lambda n: f"U{n}")
    name = factory.Sequence(lambda n: f"Unit {n}")
    parent = None


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    # A real Argon2 hash, made once: hashing per person would dominate the suite's time.
    password = factory.LazyFunction(lambda: _test_password_hash())


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)


class CouncilPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CouncilPlan

    title = factory.Sequence(lambda n: f"Council Plan {2025 + n}")
    start_date = datetime.date(2025, 4, 1)
    end_date = datetime.date(2029, 3, 31)
    vision = "A continuously improving council."
    level_names = ["Priority", "Outcome", "Marker of Success"]


class PlanNodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanNode

    plan = factory.SubFactory(CouncilPlanFactory)
    code = factory.Sequence(lambda n: f"N{n}")
    title = factory.Sequence(lambda n: f"Node {n}")


class UnitPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitPlan

    year = 2025
    title = factory.LazyAttribute(lambda p: f"{p.unit.name} plan {p.year}")


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Objective {n}")
    start_date = datetime.date(2025, 4, 1)
    due_date = datetime.date(2026, 3, 31)
    status = ObjectiveStatus.ON_TRACK
