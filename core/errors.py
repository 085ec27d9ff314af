"""Error pages in the service's own layout, so a refusal still has navigation and a way on."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # Render without the request context: the failure may be in a context processor.
    return HttpResponseServerError(loader.get_template("errors/500.html").render({}))
