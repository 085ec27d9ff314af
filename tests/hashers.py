"""Argon2 at the cheapest cost, for the tests only (tests/conftest.py puts it first).

Production's Argon2 (pmf/settings.py) costs about 0.2 s of CPU and 100 MB for every password
checked, and the suite signs people in a few hundred times. This hasher is the same
algorithm through the same code (Django's ``Argon2PasswordHasher``, argon2-cffi) with the
smallest time and memory cost: its hashes start ``argon2$argon2id$`` like production's, and
a process running production's settings (a worker, ``run.py serve``) verifies them, since an
Argon2 hash carries its own cost. That production keeps the full cost is pinned by
tests/accounts/test_sign_in.py.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 8  # KiB: argon2's least for one lane
    parallelism = 1
