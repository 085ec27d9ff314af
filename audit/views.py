"""The audit log search page, for performance admins."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.decorators import requires
from accounts.policy import Capability
from audit.forms import AuditSearchForm
from audit.models import AuditEvent

PAGE_SIZE = 50


@requires(Capability.VIEW_AUDIT_LOG)
def event_list(request):
    object_types = list(AuditEvent.objects.order_by().values_list("object_type", flat=True).distinct())
    form = AuditSearchForm(request.GET or None, object_types=sorted(object_types))
    events = AuditEvent.objects.all()
    if form.is_bound and form.is_valid():
        events = events.search(**form.cleaned_data)
    elif form.is_bound:
        events = events.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/event_list.html", {"form": form, "page": page, "query": query.urlencode()})
