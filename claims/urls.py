from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("claims/claim/", views.claim, name="claim"),
    path("claims/withdraw/", views.withdraw, name="withdraw"),
    path("claims/notifications/", views.notifications_set, name="notifications"),
]
