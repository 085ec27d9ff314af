"""People, the organisation tree and who holds which role where.

``accounts`` depends on no other app of ours: everything else asks it who may do what.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.querysets import RestrictedQuerySet, within_paths_q  # noqa: F401 - within_paths_q is shared from here
from accounts.roles import Role


class OrgUnitKind(models.TextChoices):
    COUNCIL = "council", "Council"
    DIRECTORATE = "directorate", "Directorate"
    SERVICE = "service", "Service"
    TEAM = "team", "Team"


#: The kind of parent each kind of unit must have: council → directorates → services → teams.
PARENT_KIND = {
    OrgUnitKind.COUNCIL: None,
    OrgUnitKind.DIRECTORATE: OrgUnitKind.COUNCIL,
    OrgUnitKind.SERVICE: OrgUnitKind.DIRECTORATE,
    OrgUnitKind.TEAM: OrgUnitKind.SERVICE,
}


class OrgUnitQuerySet(RestrictedQuerySet):
    scope_path = "path"

    def subtree_of(self, unit: OrgUnit) -> OrgUnitQuerySet:
        return self.filter(path__startswith=unit.path)


class OrgUnit(models.Model):
    """A directorate, service or team (or the council at the root), with its head.

    ``path`` is the chain of codes from the root (``/WMBC/CS/EH/``) so a whole subtree is one
    indexed prefix match; codes never change once created.
    """

    kind = models.CharField(max_length=16, choices=OrgUnitKind.choices)
    code = models.SlugField(max_length=32, unique=True, allow_unicode=False)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    head = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="headed_units"
    )
    path = models.CharField(max_length=400, unique=True, editable=False)
    is_active = models.BooleanField(default=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = "organisational unit"
        indexes = [models.Index(fields=["path"], name="orgunit_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent else "/") + f"{self.code}/"
        super().save(*args, **kwargs)

    def clean(self) -> None:
        expected = PARENT_KIND.get(OrgUnitKind(self.kind)) if self.kind else None
        if self.kind == OrgUnitKind.COUNCIL:
            if self.parent_id:
                raise ValidationError({"parent": "The council sits at the top and has no parent."})
        elif self.parent is None:
            raise ValidationError({"parent": f"A {self.get_kind_display().lower()} needs a parent unit."})
        elif self.parent.kind != expected:
            raise ValidationError(
                {"parent": f"A {self.get_kind_display().lower()} must sit under a {expected.label.lower()}."}
            )

    @property
    def ancestor_paths(self) -> list[str]:
        codes = [c for c in self.path.split("/") if c]
        return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


class PersonQuerySet(RestrictedQuerySet):
    """People are held by the unit they work in (for pages that list people, such as the
    people search a role manager uses)."""

    scope_path = "org_unit__path"

    def matching(self, search: str) -> PersonQuerySet:
        """People whose name, user name, email or job title holds every word of ``search``
        ("jo smith" finds Jo Smith), in any order and any case."""
        condition = Q()
        for word in search.split()[:5]:
            condition &= (
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(username__icontains=word)
                | Q(email__icontains=word)
                | Q(job_title__icontains=word)
            )
        return self.filter(condition)


class PersonManager(UserManager.from_queryset(PersonQuerySet)):
    def managed_by(self, manager, *, include_self: bool = False):
        """Everyone in ``manager``'s line management chain below them, however deep, in one
        recursive query (optionally with the manager themself)."""
        chain = RawSQL(
            """
            WITH RECURSIVE chain(id) AS (
                SELECT id FROM accounts_user WHERE line_manager_id = %s
                UNION
                SELECT person.id FROM accounts_user person JOIN chain ON person.line_manager_id = chain.id
            )
            SELECT id FROM chain
            """,
            [manager.pk],
        )
        condition = Q(pk__in=chain)
        if include_self:
            condition |= Q(pk=manager.pk)
        return self.filter(condition)


class User(AbstractUser):
    """A member of staff or a councillor. Line management is a relationship between people,
    not a role: it decides who may read someone's CIC objectives."""

    job_title = models.CharField(max_length=200, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="members", verbose_name="works in"
    )
    line_manager = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="direct_reports"
    )
    #: The HR system's number for this person: how a re-import of people finds them again.
    #: Blank for accounts HR does not know (the first performance admin, a test account).
    employee_number = models.CharField(max_length=32, blank=True)
    #: When the HR import last switched the account off (a leaver); cleared if they return.
    #: Retention counts from here (``privacy.retention``): a leaver's CIC objectives go a
    #: set time after they left, not after their last edit.
    deactivated_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PersonManager()

    #: Never copied into the audit log.
    audit_exclude = frozenset({"password", "last_login"})

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee_number"], condition=~Q(employee_number=""), name="unique_employee_number"
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        if self.line_manager_id and self.line_manager_id == self.pk:
            raise ValidationError({"line_manager": "Nobody can be their own line manager."})


#: Which kind of unit a scoped role sits on; council-wide roles sit on none.
ROLE_SCOPE_KIND = {
    Role.PERFORMANCE_ADMIN: None,
    Role.DIRECTORATE_LEAD: OrgUnitKind.DIRECTORATE,
    Role.SERVICE_LEAD: OrgUnitKind.SERVICE,
    Role.CMT: None,
    Role.CABINET: None,
    Role.SCRUTINY: None,
}


class RoleAssignment(models.Model):
    """One role held by one person, scoped to a directorate or service where the role is
    scoped. A person can hold several. A Cabinet member's portfolio orders what they see
    first; it does not restrict it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=32, choices=Role.choices)
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="role_assignments"
    )
    portfolio = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["user_id", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "org_unit"], name="unique_role_assignment"),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(org_unit__isnull=True), name="unique_council_wide_role"
            ),
            models.CheckConstraint(
                condition=Q(role__in=["directorate_lead", "service_lead"], org_unit__isnull=False)
                | Q(role__in=["performance_admin", "cmt", "cabinet", "scrutiny"], org_unit__isnull=True),
                name="role_scope_matches_role",
            ),
        ]

    def __str__(self) -> str:
        where = f" for {self.org_unit}" if self.org_unit_id else ""
        return f"{self.get_role_display()}{where}"

    def clean(self) -> None:
        expected = ROLE_SCOPE_KIND.get(Role(self.role)) if self.role else None
        if expected is None:
            if self.org_unit_id:
                raise ValidationError({"org_unit": f"{self.get_role_display()} is council-wide; leave the unit empty."})
        elif self.org_unit is None or self.org_unit.kind != expected:
            raise ValidationError(
                {"org_unit": f"A {self.get_role_display().lower()} must be given a {expected.label.lower()}."}
            )
        if self.portfolio and self.role != Role.CABINET:
            raise ValidationError({"portfolio": "Only Cabinet members hold a portfolio."})


class ApiTokenQuerySet(RestrictedQuerySet):
    """Tokens belong to people, not units: a person reaches their own, and whoever may manage
    API tokens (a performance admin, for a leaver) reaches everyone's."""

    def reached_without_role(self, user, capability) -> Q:
        return Q(user=user)

    def live(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires__gt=timezone.now())


class ApiToken(models.Model):
    """A named, expiring token with which a tool such as Power BI reads the API as its person.

    Only a SHA-256 digest of the secret is kept (``accounts.tokens``); the secret is shown to
    its person once, when it is made. ``prefix`` is the secret's first few characters, kept
    so people can tell their tokens apart. A token acts with its person's own scope and
    stops working when it expires, when it is revoked, or when its person is deactivated.
    Revoked tokens are kept (not deleted) so the list shows who revoked what, and when.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="So you can tell your tokens apart, e.g. “Power BI dashboard”.")
    prefix = models.CharField(max_length=16, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    expires = models.DateTimeField()
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = ApiTokenQuerySet.as_manager()

    #: The digest is as good as a password for anyone who could copy it back: never logged.
    audit_exclude = frozenset({"digest", "last_used"})

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_live(self, now=None) -> bool:
        return self.revoked_at is None and self.expires > (now or timezone.now())

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "Revoked"
        return "Active" if self.expires > timezone.now() else "Expired"
