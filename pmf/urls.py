"""URL map. Every pattern here has a row in the permission matrix test or a listed exemption.
The read-only API's resources live with their apps (``<app>/api.py``); the router is here."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from kpis import api as kpis_api
from planning import api as planning_api
from pmf import views
from reporting import api as reporting_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("council-plans", planning_api.CouncilPlanViewSet, basename="council-plan")
router.register("org-units", accounts_api.OrgUnitViewSet, basename="org-unit")
router.register("plans", planning_api.UnitPlanViewSet, basename="plan")
router.register("objectives", planning_api.ObjectiveViewSet, basename="objective")
router.register("risks", planning_api.RiskViewSet, basename="risk")
router.register("kpis", kpis_api.KpiViewSet, basename="kpi")
router.register("periods", kpis_api.ReportingPeriodViewSet, basename="period")
router.register("returns", kpis_api.KpiReturnViewSet, basename="return")
router.register("reports", reporting_api.SnapshotViewSet, basename="report")

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("health/", views.health, name="health"),
    path("", include("organisation.urls")),
    path("", include("accounts.urls")),
    path("", include("organisation.api_token_urls")),
    path("", include("planning.urls")),
    path("", include("kpis.urls")),
    path("", include("audit.urls")),
    path("", include("reporting.urls")),
    path("", include("privacy.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", login_not_required(SpectacularAPIView.as_view()), name="api-schema"),
    path("api/v1/me/", accounts_api.me, name="api-me"),
    path("api/v1/", include((router.urls, "api"))),
]

handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
