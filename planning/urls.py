from django.urls import path

from planning import views

app_name = "planning"

urlpatterns = [
    path("council-plans/", views.council_plan_list, name="council-plan-list"),
    path("council-plans/<int:pk>/", views.council_plan_detail, name="council-plan-detail"),
]
