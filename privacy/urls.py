from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("people/<int:pk>/subject-access/", views.subject_access, name="subject-access"),
]
