from pathlib import Path

import pytest
from django.conf import settings

from core.management.commands.permissions_doc import BLOCKS, generated


@pytest.mark.parametrize("name", list(BLOCKS))
def test_permissions_doc_shows_the_policy_as_coded(name):
    text = (Path(settings.BASE_DIR) / "docs" / "permissions.md").read_text()
    update = "run `python manage.py permissions_doc` to update docs/permissions.md"
    assert generated(text, name) == BLOCKS[name](), update
