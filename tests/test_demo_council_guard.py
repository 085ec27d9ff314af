"""The demo loader's guard, on a database that holds no demo: a module of its own, since the
other demo tests share one loaded demo council for their whole module."""

import pytest
from django.core.management import call_command

from accounts.models import User
from planning.models import CouncilPlan


def test_refuses_a_database_that_holds_real_data(db, settings, tmp_path):
    """Pointed by mistake at a council's real database, the demo must not mix itself in."""
    from django.core.management.base import CommandError

    from tests.factories import UserFactory

    settings.VAR_DIR = tmp_path
    UserFactory(username="j.bloggs")
    with pytest.raises(CommandError, match="already holds data"):
        call_command("demo_council", verbosity=0)
    assert not CouncilPlan.objects.exists()
    assert User.objects.count() == 1


def test_force_loads_it_anyway(db, settings, tmp_path):
    from tests.factories import UserFactory

    settings.VAR_DIR = tmp_path
    UserFactory(username="j.bloggs")
    call_command("demo_council", "--force", verbosity=0)
    assert CouncilPlan.objects.filter(is_demo=True).exists()
