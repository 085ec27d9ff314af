"""The roles a person can hold. A module of its own, below the models and the policy, so
the policy can name roles without importing the models (and the models' querysets can ask
the policy without a circle)."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    PERFORMANCE_ADMIN = "performance_admin", "Performance admin"
    DIRECTORATE_LEAD = "directorate_lead", "Directorate performance lead"
    SERVICE_LEAD = "service_lead", "Service lead"
    CMT = "cmt", "CMT member"
    CABINET = "cabinet", "Cabinet member"
    SCRUTINY = "scrutiny", "Scrutiny member"
