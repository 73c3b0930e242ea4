"""Book a first-time appointment: a qualified lead, vetted by a setter, agreed to meet.

``book_appointment`` opens the opportunity and sends the shock-and-awe task; a refusal
from the domain (on Avoid, a prospect, not qualified, already in a deal) is shown on the
form with its reason.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from leadflow.crm.roles import roles_of
from leadflow.crm.selectors.appointments import booking_subject
from leadflow.crm.selectors.people import who
from leadflow.domain.errors import DomainError
from leadflow.domain.people import Role
from leadflow.web.access import role_required
from leadflow.web.deals.common import BOOKERS
from leadflow.web.deals.forms import BookingForm


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(BOOKERS)
def book(request: HttpRequest, person_id: int) -> HttpResponse:
    subject = booking_subject(person_id)
    if subject is None:
        raise Http404("no such person")
    user = request.user
    assert isinstance(user, User)  # role_required let only a signed-in user through
    initial = {"setter": user.pk} if Role.SETTER in roles_of(user) else {}
    form = BookingForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            appointment = form.book(subject.person, by=user)
        except DomainError as refused:
            form.add_error(None, refused.reason)
        else:
            when = timezone.localtime(appointment.scheduled_at)
            messages.success(
                request,
                f"Appointment booked with {who(appointment.rep)} on {when:%Y-%m-%d %H:%M}; "
                "the shock-and-awe package task is out.",
            )
            return redirect("person", person_id=person_id)
    context = {"subject": subject, "person": subject.person, "form": form}
    return render(request, "web/deals/book.html", context, status=422 if form.errors else 200)
