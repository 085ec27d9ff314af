from django.urls import path

from kpis.views import dictionary, escalations, periods, returns, tabular

app_name = "kpis"

urlpatterns = [
    path("kpis/", dictionary.kpi_list, name="kpi-list"),
    path("kpis/export.<str:fmt>", tabular.dictionary_export, name="dictionary-export"),
    path("returns/export.<str:fmt>", tabular.returns_export, name="returns-export"),
    path("imports/", tabular.import_index, name="import-index"),
    path("imports/<slug:kind>/", tabular.import_upload, name="import-upload"),
    path("imports/<slug:kind>/template.csv", tabular.import_template, name="import-template"),
    path("kpis/new/", dictionary.kpi_create_view, name="kpi-create"),
    path("kpis/hand-over/<int:pk>/", dictionary.kpis_hand_over_view, name="kpi-hand-over"),
    path("kpis/<str:code>/", dictionary.kpi_detail, name="kpi-detail"),
    path("kpis/<str:code>/equalities/", dictionary.kpi_equalities, name="kpi-equalities"),
    path("kpis/<str:code>/edit/", dictionary.kpi_edit, name="kpi-edit"),
    path("kpis/<str:code>/versions/new/", dictionary.kpi_version_add, name="kpi-version-add"),
    path("kpis/<str:code>/targets/new/", dictionary.kpi_target_add, name="kpi-target-add"),
    path("kpis/<str:code>/breakdowns/new/", dictionary.kpi_breakdown_edit, name="kpi-breakdown-add"),
    path("kpis/<str:code>/breakdowns/<int:pk>/", dictionary.kpi_breakdown_edit, name="kpi-breakdown-edit"),
    path("kpis/<str:code>/escalate/", escalations.escalation_create, name="escalation-create"),
    path("kpis/<str:code>/not-escalating/", escalations.red_run_decision, name="red-run-decision"),
    path("periods/", periods.period_list, name="period-list"),
    path("periods/<int:pk>/", periods.period_detail, name="period-detail"),
    path("periods/<int:pk>/advance/", periods.period_advance_view, name="period-advance"),
    path("returns/", returns.my_returns, name="my-returns"),
    path("returns/<int:pk>/", returns.return_edit, name="return-edit"),
    path("returns/<int:pk>/revise/", returns.return_revise_view, name="return-revise"),
    path("review/", returns.review_queue, name="review-queue"),
    path("review/<int:pk>/", returns.return_review, name="return-review"),
    path("escalations/", escalations.escalation_list, name="escalation-list"),
    path("escalations/<int:pk>/", escalations.escalation_detail, name="escalation-detail"),
    path("escalations/<int:pk>/cmt/", escalations.escalation_cmt, name="escalation-cmt"),
]
