"""URLs of this area of the sales floor (issue 5): booking, appointments, pipeline board."""

from django.urls import path

from leadflow.web.deals import appointments, board, booking

urlpatterns = [
    path("people/<int:person_id>/book/", booking.book, name="book-appointment"),
    path("appointments/", appointments.appointments, name="appointments"),
    path(
        "appointments/<int:appointment_id>/outcome/",
        appointments.record_outcome,
        name="appointment-outcome",
    ),
    path("pipeline/", board.board, name="pipeline"),
    path("pipeline/stage/<slug:stage>/", board.column, name="pipeline-column"),
    path("pipeline/<int:opportunity_id>/move/<slug:stage>/", board.move, name="pipeline-move"),
]
