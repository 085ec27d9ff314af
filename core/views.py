"""View helpers shared by every app: the capability check that runs before a view body."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

from accounts.policy import Capability, has_capability


def requires(capability: Capability):
    """Refuse (403) a signed-in user whose roles do not grant ``capability`` anywhere.

    Scope is the queryset's job: the view then reads through ``restrict(user, capability)`` so an
    object outside the user's scope is a 404, and its existence is not disclosed.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_capability(request.user, capability):
                raise PermissionDenied(f"Your roles do not include '{capability.value}'.")
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability
        return wrapped

    return decorator


def render_page(request, template: str, context: dict, *, partial: str | None = None, status: int = 200):
    """Render the whole page, or just ``template#partial`` for an htmx request, from one view.

    ``Vary: HX-Request`` stops a cache serving the fragment to a full-page visit.
    """
    from django.shortcuts import render
    from django.utils.cache import patch_vary_headers

    name = f"{template}#{partial}" if partial and getattr(request, "htmx", False) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def redirect_after_save(request, to: str, *args, **kwargs):
    """After a successful save: a normal redirect, or for htmx a client-side navigation so the
    whole page (with its success message) is shown rather than nested in the form's place."""
    from django.shortcuts import redirect, resolve_url
    from django_htmx.http import HttpResponseClientRedirect

    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(resolve_url(to, *args, **kwargs))
    return redirect(to, *args, **kwargs)


def submit(request, form, save):
    """The write half of every form page: on a valid POST, call ``save(form)`` (a service
    call) and return what it returns; a service's ValidationError goes onto the form next to
    the fields it names. Returns None when there is nothing saved, so the view re-renders."""
    from django.core.exceptions import ValidationError

    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save(form)
    except ValidationError as error:
        form.add_service_errors(error)
        return None
