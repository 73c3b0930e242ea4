"""URLs of the control pages (issue 5): the Avoid list and the playbook settings."""

from django.urls import URLPattern, path

from leadflow.web.control import avoid, playbook

urlpatterns: list[URLPattern] = [
    path("avoid/", avoid.avoid_list, name="avoid-list"),
    path("avoid/add/", avoid.avoid_add, name="avoid-add"),
    path("avoid/<int:entry_id>/lift/", avoid.avoid_lift, name="avoid-lift"),
    path("playbook/", playbook.playbook, name="playbook"),
    path("playbook/requalify/", playbook.requalify, name="playbook-requalify"),
    path("playbook/avatars/add/", playbook.avatar_add, name="playbook-avatar-add"),
    path("playbook/avatars/<int:avatar_id>/", playbook.avatar_change, name="playbook-avatar"),
    path(
        "playbook/avatars/<int:avatar_id>/criteria/add/",
        playbook.criterion_add,
        name="playbook-avatar-criterion-add",
    ),
    path("playbook/rules/add/", playbook.criterion_add, name="playbook-rule-add"),
    path(
        "playbook/criteria/<int:criterion_id>/", playbook.criterion_edit, name="playbook-criterion"
    ),
    path(
        "playbook/criteria/<int:criterion_id>/remove/",
        playbook.criterion_remove,
        name="playbook-criterion-remove",
    ),
    path("playbook/triggers/", playbook.triggers, name="playbook-triggers"),
    path("playbook/next-steps/", playbook.next_steps, name="playbook-next-steps"),
    path("playbook/thresholds/", playbook.thresholds, name="playbook-thresholds"),
    path("playbook/calendar/", playbook.calendar, name="playbook-calendar"),
]
