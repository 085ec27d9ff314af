from pathlib import Path

from django.conf import settings

from accounts.policy import grants_markdown


def test_permissions_doc_shows_the_policy_as_coded():
    text = (Path(settings.BASE_DIR) / "docs" / "permissions.md").read_text()
    start, end = "<!-- grants:start -->\n", "\n<!-- grants:end -->"
    documented = text[text.index(start) + len(start) : text.index(end)]
    assert documented == grants_markdown(), "run `python manage.py permissions_doc` to update docs/permissions.md"
