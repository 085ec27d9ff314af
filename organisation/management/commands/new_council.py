"""``python manage.py new_council``: start a council with no demo data in a migrated, empty
database. docs/how-to/new-council.md is its guide."""

from __future__ import annotations

import getpass
import os
import secrets
import sys

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from organisation.council import NewCouncil, council_start, existing_council

#: Each answer: its option, the environment variable that can give it, and the question.
FIELDS = (
    ("name", "PMF_COUNCIL_NAME", "The council's name (e.g. Anytown Borough Council)"),
    ("code", "PMF_COUNCIL_CODE", "A short code for the council, letters and digits (e.g. ABC)"),
    ("admin_first_name", "PMF_ADMIN_FIRST_NAME", "The first performance admin's first name"),
    ("admin_last_name", "PMF_ADMIN_LAST_NAME", "Their last name"),
    ("admin_email", "PMF_ADMIN_EMAIL", "Their work email (single sign-on matches people by it)"),
    ("admin_username", "PMF_ADMIN_USERNAME", "Their user name for signing in"),
)
PASSWORD_ENV = "PMF_ADMIN_PASSWORD"  # noqa: S105 - the name of a variable, not a password


class Command(BaseCommand):
    help = (
        "Start a new council in an empty, migrated database: the council and its first performance "
        "admin. Takes each answer from its option, else its environment variable, else asks."
    )

    def add_arguments(self, parser):
        for field, env, question in FIELDS:
            parser.add_argument(f"--{field.replace('_', '-')}", dest=field, help=f"{question}; or set {env}.")
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="Never ask; fail if an answer is missing."
        )
        parser.add_argument(
            "--existing-ok",
            action="store_true",
            help="If the database already has a council, say so and succeed (for `run.py new-council`).",
        )

    def handle(self, *args, interactive: bool, existing_ok: bool, **options):
        council = existing_council()
        if council is not None:
            if existing_ok:
                self.stdout.write(f"{council.name} is already set up; nothing to do.")
                return
            raise CommandError(
                f"This database already has a council, {council.name} ({council.code}). "
                "new_council starts a council only in an empty database."
            )
        interactive = interactive and sys.stdin.isatty()
        answers = {field: self._answer(field, env, question, options, interactive) for field, env, question in FIELDS}
        password, generated = self._password(answers, interactive)
        try:
            council, admin = council_start(new=NewCouncil(**answers, admin_password=password))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self._welcome(council, admin, password if generated else None)

    def _answer(self, field: str, env: str, question: str, options: dict, interactive: bool) -> str:
        value = (options.get(field) or os.environ.get(env, "")).strip()
        while not value and interactive:
            value = input(f"{question}: ").strip()
        if not value:
            option = "--" + field.replace("_", "-")
            raise CommandError(f"Missing: {question.split(' (')[0].lower()}. Give {option} or set {env}.")
        return value

    def _password(self, answers: dict, interactive: bool) -> tuple[str, bool]:
        """The admin's password: from PMF_ADMIN_PASSWORD, typed (twice), or generated and shown
        once. A council on single sign-on may ignore it: its admin signs in by email."""
        probe = User(username=answers["admin_username"], email=answers["admin_email"])
        given = os.environ.get(PASSWORD_ENV, "")
        while not given and interactive:
            typed = getpass.getpass("Their password (at least 12 characters; leave empty to have one made): ")
            if not typed:
                break
            if getpass.getpass("The same password again: ") != typed:
                self.stderr.write("The two passwords differ; try again.")
                continue
            try:
                validate_password(typed, probe)
            except ValidationError as error:
                self.stderr.write(" ".join(error.messages))
                continue
            given = typed
        if given:
            try:
                validate_password(given, probe)
            except ValidationError as error:
                raise CommandError(f"{PASSWORD_ENV} will not do: {' '.join(error.messages)}") from None
            return given, False
        return secrets.token_urlsafe(15), True

    def _welcome(self, council, admin: User, generated_password: str | None) -> None:
        base = os.environ.get("PMF_BASE_URL", "").rstrip("/")
        sign_in = f"{base}/accounts/sign-in/" if base else "/accounts/sign-in/ on this site"
        self.stdout.write(self.style.SUCCESS(f"{council.name} ({council.code}) is ready, with no demo data."))
        self.stdout.write(f"Its first performance admin is {admin.display_name} <{admin.email}>.")
        self.stdout.write(f"Sign in at {sign_in} with the user name {admin.username}.")
        if generated_password:
            self.stdout.write(f"Their password, shown only this once: {generated_password}")
        self.stdout.write(
            "With single sign-on switched on they sign in through the council's identity provider "
            "with that email instead. Everything else (the organisation, people, roles, plans, KPIs, "
            "history) is done in the browser."
        )
        if council.name != settings.COUNCIL_NAME:
            self.stdout.write(f"Set PMF_COUNCIL_NAME={council.name!r} for the service so the header shows it.")
