"""Manual entry: one person's response typed in by a setter or marketer.

A one-row table through ``run_intake`` in all-or-nothing mode, so a typed-in person is
normalized, deduplicated, checked against Avoid and classified exactly like a CSV row.
The pipeline's ``row 1: phone: "12" is not a phone number`` lines are put back next to
the field they name; spam and Avoid are told plainly here (unlike on the public form),
since the person typing is staff and needs to know why nobody was added.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from leadflow.crm.models import Campaign, Source
from leadflow.intake.fields import Field
from leadflow.intake.options import IntakeOptions, ListKind, Mode, Outcome
from leadflow.intake.read import IntakeFileError
from leadflow.intake.records import table_from_records
from leadflow.intake.report import IntakeReport
from leadflow.intake.run import run_intake
from leadflow.web.access import ENTERERS, role_required, signed_in_user
from leadflow.web.intake.forms import ManualEntryForm
from leadflow.web.intake.reports import error_lines


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(ENTERERS)
def manual_entry(request: HttpRequest) -> HttpResponse:
    form = ManualEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person_id = _enter(request, form)
        if person_id is not None:
            return redirect("person", person_id=person_id)
    context = {
        "form": form,
        "campaign_names": Campaign.objects.order_by("name").values_list("name", flat=True),
        "source_names": Source.objects.order_by("name").values_list("name", flat=True),
    }
    return render(request, "web/intake/manual.html", context, status=422 if form.errors else 200)


def _enter(request: HttpRequest, form: ManualEntryForm) -> int | None:
    """The person's id once written; otherwise the reasons are added to the form."""
    record = form.record()
    options = IntakeOptions(
        campaign=form.cleaned_data["campaign"],
        source=form.cleaned_data["source"],
        kind=ListKind.RESPONSES,
        mode=Mode.ALL_OR_NOTHING,
    )
    try:
        table = table_from_records([record], blank_columns=(Field.EMAIL.value, Field.PHONE.value))
        report = run_intake(table, options, by=signed_in_user(request))
    except IntakeFileError as error:
        form.add_error(None, error.reason)
        return None
    outcome, detail = _only_row(report)
    if outcome == Outcome.ERROR.value:
        for line in error_lines(detail):
            form.add_error(line.column if line.column in form.fields else None, line.reason)
        return None
    if outcome == Outcome.SPAM.value:
        rule = detail.removeprefix("spam: ")
        form.add_error(None, f"not added: it looks like spam ({rule})")
        return None
    if outcome == Outcome.BLOCKED.value:
        form.add_error(None, "not added: this person is on the Avoid list")
        return None
    person_id = report.rows["person_id"][0]
    if person_id is None:  # written, yet no person named: a pipeline bug to report
        form.add_error(None, "saved, but the person could not be found; search for them")
        return None
    return int(person_id)


def _only_row(report: IntakeReport) -> tuple[str, str]:
    row = report.rows.row(0, named=True)
    return str(row["outcome"]), str(row["detail"] or "")
