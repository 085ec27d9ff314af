"""The permission-matrix base every app's routes are checked through.

For each route and each persona the expected answer follows from the route's rule:

* anonymous: the sign-in page (a redirect), or 401 from the API;
* a persona whose roles do not grant the route: 403;
* a scoped persona (directorate or service lead): 200 for an object in their scope and 404
  for one outside it, so an object's existence is not disclosed;
* council-wide personas: 200 (they have no out-of-scope case);
* a public page: the same answer for everyone, signed in or not.

List pages also name rows that a scoped persona must not see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.shortcuts import resolve_url

EVERYONE = None
SCOPED_PERSONAS = frozenset({"directorate_lead", "service_lead"})


@dataclass(frozen=True)
class Route:
    url_name: str
    allowed: frozenset[str] | None = EVERYONE  # personas allowed; EVERYONE = every signed-in person
    kwargs: Callable = field(default=lambda world: {})
    out_of_scope_kwargs: Callable | None = None
    hidden_from_scoped: Callable | None = None  # world -> strings a scoped persona must not see
    api: bool = False
    public: bool = False
    signed_in_status: int | None = None  # e.g. the sign-in page sends a signed-in person home
    method: str = "get"
    data: dict = field(default_factory=dict)
    ok_status: int = 200  # what an allowed persona gets (a POST action redirects: 302)
    #: Per-person answers where the rule is about the person, not a role (CIC objectives are
    #: readable only by the employee and their line management).
    by_persona: dict = field(default_factory=dict)
    #: Settings the row is checked under (e.g. single sign-on configured).
    settings: dict = field(default_factory=dict)

    def expected(self, persona: str) -> int:
        if persona in self.by_persona:
            return self.by_persona[persona]
        if self.signed_in_status and persona != "anonymous":
            return self.signed_in_status
        if self.public:
            return self.ok_status
        if persona == "anonymous":
            return 401 if self.api else 302
        if self.allowed is not EVERYONE and persona not in self.allowed:
            return 403
        return self.ok_status


def sign_in_url() -> str:
    return resolve_url(settings.LOGIN_URL)


@dataclass(frozen=True)
class Exemption:
    url_name: str
    reason: str
