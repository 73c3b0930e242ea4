from django.contrib.auth import views as auth_views
from django.urls import include, path

from leadflow.web import consent, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.dashboard, name="dashboard"),
    path("people/", views.people_list, name="people"),
    path("people/<int:person_id>/", views.person_detail, name="person"),
    path("people/<int:person_id>/consent/", consent.change_person_consent, name="person-consent"),
    path("intake/", include("leadflow.web.intake.urls")),
    path("", include("leadflow.web.queues.urls")),  # raw review, call list, confirmations, tasks
    path("", include("leadflow.web.deals.urls")),  # booking, appointments, pipeline board
    path("", include("leadflow.web.control.urls")),  # Avoid list, playbook settings
    path("", include("leadflow.web.segments.urls")),  # client segments
    path("", include("leadflow.web.exports.urls")),  # channel list exports
    path("", include("leadflow.web.reports.urls")),  # funnel, show rate, cohorts, plan
    path("", include("leadflow.web.jobs.urls")),  # queued jobs and their retry
    path("settings/tokens/", include("leadflow.web.tokens_urls")),  # personal API tokens
]
