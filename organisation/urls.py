from django.urls import path

from organisation import people, views

app_name = "organisation"

urlpatterns = [
    path("hr/import/", views.import_index, name="import-index"),
    path("hr/leavers/", views.leavers, name="leavers"),
    path("hr/import/<slug:kind>/", views.import_upload, name="import-upload"),
    path("hr/import/<slug:kind>/apply/", views.import_apply, name="import-apply"),
    path("hr/import/<slug:kind>/template.csv", views.import_template, name="import-template"),
    path("people/", people.person_list, name="person-list"),
    path("people/<int:pk>/", people.person_detail, name="person-detail"),
    path("people/<int:pk>/roles/<int:assignment_pk>/remove/", people.role_remove, name="role-remove"),
]
