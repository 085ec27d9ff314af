"""View helpers shared by every app: one view for a page and its htmx partial, and the write
half of every form page. The capability check (``requires``) lives with the policy in
``accounts``."""

from __future__ import annotations


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
