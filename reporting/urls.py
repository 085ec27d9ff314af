from django.urls import path

from reporting import open_data_views, views

app_name = "reporting"

urlpatterns = [
    path("dashboards/", views.overview, name="overview"),
    path("dashboards/kpis/", views.dashboard, name="dashboard"),
    path("dashboards/scorecard/", views.scorecard, name="scorecard"),
    path("dashboards/exceptions/", views.exceptions_view, name="exceptions"),
    path("dashboards/scorecard.<str:fmt>", views.scorecard_export, name="scorecard-export"),
    path("reports/", views.report_list, name="report-list"),
    path("reports/periods/<int:pk>/", views.report, name="report"),
    path("reports/periods/<int:pk>/build/", views.draft_build_view, name="draft-build"),
    path("reports/periods/<int:pk>/publish/", views.publish_view, name="publish"),
    path("reports/periods/<int:pk>/narratives/<int:node_pk>/", views.narrative_edit, name="narrative-edit"),
    path("reports/periods/<int:pk>/cycle/", views.cycle, name="cycle"),
    path("reports/periods/<int:pk>/data-quality/", views.data_quality, name="data-quality"),
    path("reports/periods/<int:pk>/data-quality.pdf", views.data_quality_pdf, name="data-quality-pdf"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/settings/", views.notification_settings, name="notification-settings"),
    path("reports/kpis/<str:code>/", views.kpi_published, name="kpi-published"),
    path("reports/kpis/<str:code>/published.<str:fmt>", views.kpi_published_export, name="kpi-published-export"),
    path("reports/<int:pk>/", views.snapshot_detail, name="snapshot"),
    path("reports/<int:pk>/progress/", views.snapshot_progress, name="snapshot-progress"),
    path("reports/files/<int:pk>/", views.file_download, name="file-download"),
    path("open-data/", open_data_views.open_data_index, name="open-data"),
    path("open-data/licence/", open_data_views.open_data_licence, name="open-data-licence"),
    path("open-data/<int:year>/q<int:quarter>.<str:fmt>", open_data_views.open_data_file, name="open-data-file"),
]
