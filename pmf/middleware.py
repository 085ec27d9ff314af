"""Request-wide middleware: deny by default, a request id for the audit trail, and no NUL
bytes in an address."""

from __future__ import annotations

import uuid

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpResponseBadRequest

from audit.context import bind_correlation_id


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page needs a signed-in user unless its view says otherwise.

    The API is the exception: it authenticates with a session or a token itself and answers
    401, not a redirect to the sign-in page, so machine clients get an honest status.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class RequestIdMiddleware:
    """Give each request an id (or keep the proxy's ``X-Request-ID``) for audit records."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming[:64] if incoming and incoming.isprintable() else uuid.uuid4().hex
        request.request_id = request_id
        bind_correlation_id(f"request:{request_id}")
        try:
            response = self.get_response(request)
        finally:
            bind_correlation_id(None)
        response["X-Request-ID"] = request_id
        return response


class RefuseNulBytesMiddleware:
    """Answer 400 to an address whose path or query holds a NUL byte.

    PostgreSQL cannot store NUL in text, so such a value reaching a query raises a database
    error (a 500) wherever a view happens to use it before a form has looked at it. Refusing
    it here, once, is the one rule; forms still validate everything else about a filter.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in key + value for key, value in _query_items(request)):
            return HttpResponseBadRequest(
                "The address holds a character that is not allowed (a NUL byte).", content_type="text/plain"
            )
        return self.get_response(request)


def _query_items(request):
    for key, values in request.GET.lists():
        for value in values:
            yield key, value
