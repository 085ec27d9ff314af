from django.urls import path

from planning.views import cic, council_plans, plans, risks, thread

app_name = "planning"

urlpatterns = [
    path("council-plans/", council_plans.council_plan_list, name="council-plan-list"),
    path("council-plans/new/", council_plans.council_plan_create_view, name="council-plan-create"),
    path("council-plans/import/", council_plans.council_plan_import_new, name="council-plan-import-new"),
    path(
        "council-plans/import/template.csv",
        council_plans.council_plan_import_template,
        name="council-plan-import-template",
    ),
    path("council-plans/<int:pk>/", council_plans.council_plan_detail, name="council-plan-detail"),
    path("council-plans/<int:pk>/edit/", council_plans.council_plan_edit, name="council-plan-edit"),
    path("council-plans/<int:pk>/nodes/new/", council_plans.plan_node_add, name="plan-node-add"),
    path("council-plans/<int:pk>/nodes/<int:node_pk>/edit/", council_plans.plan_node_edit, name="plan-node-edit"),
    path("council-plans/<int:pk>/nodes/<int:node_pk>/move/", council_plans.plan_node_move_view, name="plan-node-move"),
    path(
        "council-plans/<int:pk>/nodes/<int:node_pk>/retire/",
        council_plans.plan_node_retire_view,
        name="plan-node-retire",
    ),
    path(
        "council-plans/<int:pk>/export.<str:fmt>",
        council_plans.council_plan_export,
        name="council-plan-export",
    ),
    path("council-plans/<int:pk>/import/", council_plans.council_plan_import_view, name="council-plan-import"),
    path("plans/", plans.plan_list, name="plan-list"),
    path("plans/new/", plans.plan_create, name="plan-create"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/edit/", plans.plan_edit, name="plan-edit"),
    path("plans/<int:pk>/on-a-page/", plans.plan_on_a_page, name="plan-on-a-page"),
    path("plans/<int:pk>/objectives/new/", plans.objective_add, name="objective-add"),
    path("risks/", risks.risk_register, name="risk-register"),
    path("risks/new/", risks.risk_add, name="risk-add"),
    path("risks/export.<str:fmt>", risks.risk_export, name="risk-export"),
    path("risks/import/", risks.risk_import_view, name="risk-import"),
    path("risks/import/template.csv", risks.risk_import_template, name="risk-import-template"),
    path("risks/<int:pk>/", risks.risk_detail, name="risk-detail"),
    path("risks/<int:pk>/edit/", risks.risk_edit, name="risk-edit"),
    path("risks/<int:pk>/review/", risks.risk_review_view, name="risk-review"),
    path("risks/<int:pk>/escalate/", risks.risk_escalate_view, name="risk-escalate"),
    path("risks/<int:pk>/actions/new/", risks.risk_action_add_view, name="risk-action-add"),
    path("objectives/<int:pk>/", plans.objective_detail, name="objective-detail"),
    path("objectives/<int:pk>/edit/", plans.objective_edit, name="objective-edit"),
    path("objectives/<int:pk>/progress/new/", plans.progress_add, name="progress-add"),
    path("thread/", thread.thread_index, name="thread-index"),
    path("thread/nodes/<int:pk>/", thread.thread_node, name="thread-node"),
    path("gaps/", thread.gaps_view, name="gaps"),
    path("cic/", cic.cic_list, name="cic-list"),
    path("cic/new/", cic.cic_add, name="cic-add"),
    path("cic/<int:pk>/", cic.cic_detail, name="cic-detail"),
    path("cic/<int:pk>/edit/", cic.cic_edit, name="cic-edit"),
    path("cic/<int:pk>/notes/new/", cic.cic_note_add_view, name="cic-note-add"),
]
