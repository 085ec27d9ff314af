from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("accounts/sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("accounts/single-sign-on/", views.SingleSignOnStartView.as_view(), name="sso-start"),
    path("accounts/single-sign-on/callback/", views.SingleSignOnCallbackView.as_view(), name="sso-callback"),
    path("accounts/single-sign-on/refused/", views.single_sign_on_refused, name="sso-refused"),
    path("organisation/", views.org_unit_list, name="org-unit-list"),
    path("organisation/<slug:code>/", views.org_unit_detail, name="org-unit-detail"),
]
