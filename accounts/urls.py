from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("accounts/sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("organisation/", views.org_unit_list, name="org-unit-list"),
    path("organisation/<slug:code>/", views.org_unit_detail, name="org-unit-detail"),
]
