"""Request-wide middleware: deny by default, and a request id for the audit trail."""

from __future__ import annotations

import uuid

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware

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
