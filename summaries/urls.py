from django.urls import path, register_converter

from summaries import feeds, moderation_views, views

register_converter(feeds.FeedFormatConverter, "feedformat")

app_name = "summaries"

urlpatterns = [
    path("", views.feed, name="feed"),
    path("summaries/new/", views.summary_create, name="create"),
    path("summaries/preview/", views.summary_preview, name="preview"),
    path("summary/<int:pk>/", views.summary_detail, name="detail"),
    path("summary/<int:pk>/edit/", views.summary_edit, name="edit"),
    path("summary/<int:pk>/delete/", views.summary_delete, name="delete"),
    path("summary/<int:pk>/history/", views.summary_history, name="history"),
    path("summary/<int:pk>/restore/", views.summary_restore, name="restore"),
    path("summary/<int:pk>/vote/", views.summary_vote, name="vote"),
    path("summary/<int:pk>/version/", views.summary_version, name="version"),
    path("summary/<int:pk>/vote/after-login/", views.summary_vote_after_login, name="vote_after_login"),
    path("user/<str:username>/", views.profile_detail, name="profile"),
    path("settings/profile/", views.profile_edit, name="profile_edit"),
    path("feeds/latest.<feedformat:fmt>", feeds.latest, name="feed_latest"),
    path("feeds/top.<feedformat:fmt>", feeds.top, name="feed_top"),
    path("feeds/paper/<path:identifier>.<feedformat:fmt>", feeds.paper, name="feed_paper"),
    path("feeds/user/<str:username>.<feedformat:fmt>", feeds.user, name="feed_user"),
    path("feeds/category/<str:category>.<feedformat:fmt>", feeds.category, name="feed_category"),
    path("summary/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/hide/", views.comment_hide, name="comment_hide"),
    path("summaries/images/", views.summary_image_upload, name="image_upload"),
    path("notifications/unsubscribe/<str:token>/", views.notifications_unsubscribe, name="unsubscribe"),
]

# Community: reputation and export, following, summary requests.
urlpatterns += [
    path("users/", views.contributors, name="contributors"),
    path("settings/export.zip", views.export_zip, name="export_zip"),
    path("settings/export.csv", views.export_csv, name="export_csv"),
    path("following/", views.following_feed, name="following"),
    path("following/follow/", views.follow, name="follow"),
    path("following/unfollow/", views.unfollow, name="unfollow"),
    path("requests/", views.summary_requests_list, name="requests"),
    path("requests/ask/", views.summary_request_ask, name="request_ask"),
    path("requests/withdraw/", views.summary_request_withdraw, name="request_withdraw"),
]

# Moderation: readers report summaries and comments (the queue is in the admin).
urlpatterns += [
    path("summary/<int:pk>/report/", moderation_views.summary_report, name="summary_report"),
    path("comment/<int:pk>/report/", moderation_views.comment_report, name="comment_report"),
]
