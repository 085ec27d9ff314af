from django.urls import path

from organisation import views

app_name = "organisation"

urlpatterns = [
    path("people/", views.person_list, name="person-list"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("people/<int:pk>/roles/<int:assignment_pk>/remove/", views.role_remove, name="role-remove"),
]
