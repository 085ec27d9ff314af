"""Directorate leads and CMT find the returns export where they work: their home page and,
for leads, the review queue; the link works for them."""

from __future__ import annotations

import pytest
from django.urls import reverse

EXPORT = reverse("kpis:returns-export", kwargs={"fmt": "csv"})


@pytest.mark.parametrize("persona", ["directorate_lead", "cmt"])
def test_leads_and_cmt_find_the_returns_export_on_their_home_page(world, clients, persona):
    page = clients[persona].get(reverse("home")).content.decode()
    assert f'href="{EXPORT}?period={world.kpis["period"].pk}"' in page
    assert f'href="{EXPORT}"' in page
    download = clients[persona].get(f"{EXPORT}?period={world.kpis['period'].pk}")
    assert download.status_code == 200
    assert "S1-01" in download.getvalue().decode()


@pytest.mark.parametrize("persona", ["scrutiny", "no_role", "service_lead"])
def test_others_are_not_offered_it_at_home(clients, persona):
    assert EXPORT not in clients[persona].get(reverse("home")).content.decode()


def test_the_review_queue_offers_the_periods_returns(world, clients):
    page = clients["directorate_lead"].get(reverse("kpis:review-queue")).content.decode()
    assert f'href="{EXPORT}?period={world.kpis["period"].pk}"' in page
