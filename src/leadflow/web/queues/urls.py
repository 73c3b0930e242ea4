"""URLs of this area of the sales floor (issue 5): the work queues and my tasks.

Each queue is a page (GET) and a few row actions (POST, answered with the updated row
for htmx, or a redirect back for a plain form).
"""

from django.urls import path

from leadflow.web.queues import calls, confirmations, raw, tasks

urlpatterns = [
    path("queues/raw/", raw.raw_review, name="raw-review"),
    path("queues/raw/<int:person_id>/qualify/", raw.qualify, name="raw-qualify"),
    path("queues/raw/<int:person_id>/propose/", raw.propose, name="raw-propose"),
    path("queues/raw/<int:person_id>/spam/", raw.spam, name="raw-spam"),
    path(
        "queues/raw/<int:person_id>/missing-information/",
        raw.ask_for_information,
        name="raw-missing-information",
    ),
    path("queues/calls/", calls.call_list, name="call-list"),
    path("queues/calls/<int:person_id>/log/", calls.log, name="call-log"),
    path("queues/confirmations/", confirmations.confirmations, name="confirmations"),
    path(
        "queues/confirmations/<int:proposal_id>/decide/",
        confirmations.decide,
        name="confirmation-decide",
    ),
    path("tasks/", tasks.my_tasks, name="tasks"),
    path("tasks/<int:task_id>/done/", tasks.done, name="task-done"),
]
