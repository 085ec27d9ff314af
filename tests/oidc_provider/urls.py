from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.urls import include, path


def whoami(request):
    """Who the provider thinks is signed in here: lets a test see its session end."""
    return HttpResponse(request.user.get_username() if request.user.is_authenticated else "nobody")


urlpatterns = [
    path("login/", LoginView.as_view(template_name="provider_login.html"), name="login"),
    path("whoami/", whoami),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
