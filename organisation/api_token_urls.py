"""The API tokens pages, under the signed-in person's account."""

from django.urls import path

from organisation import api_token_views as views

app_name = "api_tokens"

urlpatterns = [
    path("account/api-tokens/", views.api_token_list, name="list"),
    path("account/api-tokens/everyone/", views.api_token_everyone, name="everyone"),
    path("account/api-tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="revoke"),
]
