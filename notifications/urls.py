from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("me/notifications/", views.notification_list, name="list"),
    path("me/notifications/read/", views.mark_all_read, name="mark-all-read"),
    path("me/notifications/email/", views.email_settings, name="settings"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
