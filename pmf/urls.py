"""URL map. Every pattern here has a row in the permission matrix test or a listed exemption."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from pmf import api, views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("council-plans", api.CouncilPlanViewSet, basename="council-plan")
router.register("org-units", api.OrgUnitViewSet, basename="org-unit")
router.register("plans", api.UnitPlanViewSet, basename="plan")
router.register("objectives", api.ObjectiveViewSet, basename="objective")
router.register("kpis", api.KpiViewSet, basename="kpi")
router.register("periods", api.ReportingPeriodViewSet, basename="period")
router.register("returns", api.KpiReturnViewSet, basename="return")
router.register("reports", api.SnapshotViewSet, basename="report")

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("health/", views.health, name="health"),
    path("", include("accounts.urls")),
    path("", include("planning.urls")),
    path("", include("kpis.urls")),
    path("", include("audit.urls")),
    path("", include("reporting.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", login_not_required(SpectacularAPIView.as_view()), name="api-schema"),
    path("api/v1/me/", api.me, name="api-me"),
    path("api/v1/", include((router.urls, "api"))),
]

handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
