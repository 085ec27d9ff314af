"""Open data pages: the only pages besides signing in that anyone may read without an account
(each marked ``login_not_required``; the permission matrix lists them as public). Everything
they show is published already, so they are cacheable by anyone in between."""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from reporting.open_data import LICENCE_NAME, LICENCE_URL, period_csv, period_json, published_period, published_periods

#: How long a browser or a proxy may keep a page or file: published figures change only by a
#: revision, and an hour is soon enough for one to show.
MAX_AGE_SECONDS = 3600

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


def _cacheable(response: HttpResponse, *, shared: bool = True) -> HttpResponse:
    """Anyone in between may keep it for an hour, the licence travelling with it. A page drawn
    for a signed-in person (their name and sign-out form in its header) is kept by their own
    browser only (``shared`` False)."""
    patch_cache_control(response, max_age=MAX_AGE_SECONDS, **({"public": True} if shared else {"private": True}))
    response["Link"] = f'<{LICENCE_URL}>; rel="license"'
    return response


@login_not_required
@require_safe
def open_data_index(request):
    """The periods with published figures and their files, for the public."""
    periods = published_periods()
    return _cacheable(
        render(request, "reporting/open_data/index.html", {"periods": periods, "licence_name": LICENCE_NAME}),
        shared=not request.user.is_authenticated,
    )


@login_not_required
@require_safe
def open_data_licence(request):
    return _cacheable(
        render(
            request,
            "reporting/open_data/licence.html",
            {"licence_name": LICENCE_NAME, "licence_url": LICENCE_URL},
        ),
        shared=not request.user.is_authenticated,
    )


@login_not_required
@require_safe
def open_data_file(request, year: int, quarter: int, fmt: str):
    """A period's published figures as CSV or JSON, at an address that stays the same: a
    strong ETag lets a client ask again cheaply, and gets 304 while nothing has changed."""
    if fmt not in FORMATS:
        raise Http404("Choose csv or json")
    period = published_period(year, quarter)
    if period is None:
        raise Http404("No published figures for that period")
    body = (period_csv if fmt == "csv" else period_json)(period).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=FORMATS[fmt])
        name = f"performance-{period.year}-{str(period.year + 1)[-2:]}-q{period.quarter}.{fmt}"
        response["Content-Disposition"] = f'inline; filename="{name}"'
    response["ETag"] = etag
    return _cacheable(response)
