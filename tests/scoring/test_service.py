"""Training on the CRM's own history, storing the model, scoring people with it."""

from __future__ import annotations

import pickle
from datetime import timedelta

import polars as pl
import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries

from leadflow.crm.models import LeadScoreModel, Person
from leadflow.crm.selectors.people import person_detail
from leadflow.crm.services.people import create_person, record_interest_activity
from leadflow.crm.services.playbook import seed_defaults
from leadflow.domain.profile import Need
from leadflow.domain.temperature import ActivityKind, FollowUpWish
from leadflow.scoring.commands import train_command
from leadflow.scoring.data import BECAME_LEAD_AT, CRM_SPEC, lead_rows
from leadflow.scoring.features import LEAD_ID, WON
from leadflow.scoring.model import LearnedScore
from leadflow.scoring.service import (
    MATURITY,
    NotEnoughHistory,
    retrain,
    score_people,
    train_from_crm,
)
from tests.http.pages import make_user
from tests.scoring.conftest import NOW, build_history

pytestmark = pytest.mark.django_db


def _stored_model(stored: LeadScoreModel) -> LearnedScore:
    model = pickle.loads(bytes(stored.blob))
    assert isinstance(model, LearnedScore)
    return model


def test_training_with_too_few_won_leads_says_how_many_and_how_many_it_needs() -> None:
    history = build_history(leads=80, won_share=0.04)
    assert history.won < 20
    with pytest.raises(NotEnoughHistory, match=r"became clients; the lead score needs at least 20"):
        train_from_crm(now=NOW)
    assert not LeadScoreModel.objects.exists()


def test_the_scheduled_retrain_reports_too_little_history_without_failing() -> None:
    assert retrain() is None
    assert not LeadScoreModel.objects.exists()


def test_scoring_without_a_trained_model_gives_no_score() -> None:
    history = build_history(leads=5, won_share=0.5)
    assert score_people([p.pk for p in history.people]) is None


def test_lead_rows_read_the_intake_fields_set_based(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    build_history(leads=30, won_share=0.3)
    with django_assert_num_queries(2):
        rows = lead_rows(Person.objects.all())
    assert rows.height == 30
    assert set(CRM_SPEC.names) <= set(rows.columns)
    webinar = rows.filter(pl.col("lead_source") == "webinar").row(0, named=True)
    assert webinar["first_activity"] == "event attended"
    assert webinar["follow_up_wish"] == "asked"
    assert webinar["intake_activities"] == 1.0
    assert webinar["problem_indicators"] == "no"


def test_an_activity_after_the_intake_window_is_not_read() -> None:
    history = build_history(leads=1, won_share=0.0)
    person = history.people[0]
    record_interest_activity(
        person=person,
        kind=ActivityKind.INBOUND_CALL,
        wish=FollowUpWish.ASKED,
        by=None,
        at=(person.became_lead_at or NOW) + timedelta(days=60),
    )
    (row,) = lead_rows(Person.objects.filter(pk=person.pk)).iter_rows(named=True)
    assert row["intake_activities"] == 1.0


def test_a_trained_model_is_stored_with_its_held_out_figures() -> None:
    history = build_history(leads=400, won_share=0.15)
    assert history.won >= 20
    stored = train_from_crm(now=NOW)
    assert stored.active
    assert stored.features == list(CRM_SPEC.names)
    metrics = stored.metrics
    assert 0.0 <= metrics["auc"] <= 1.0
    assert 0.0 <= metrics["brier"] <= 1.0
    assert metrics["fit"] == "training side only"
    mature = Person.objects.filter(became_lead_at__lte=NOW - MATURITY).count()
    assert stored.training_rows + metrics["held_out_rows"] == mature


def test_the_crm_model_learns_only_from_mature_leads_before_the_held_out_ones() -> None:
    build_history(leads=400, won_share=0.15)
    stored = train_from_crm(now=NOW)
    model = _stored_model(stored)
    rows = lead_rows(Person.objects.all())
    learned = rows.filter(pl.Series(model.trained_on(rows[LEAD_ID].to_numpy())))
    not_learned = rows.filter(~pl.Series(model.trained_on(rows[LEAD_ID].to_numpy())))
    assert learned.height == stored.training_rows
    # Never a lead younger than MATURITY, never one from the held-out, later side.
    assert (
        learned[BECAME_LEAD_AT].max()
        < not_learned.filter(pl.col(BECAME_LEAD_AT) <= NOW - MATURITY)[BECAME_LEAD_AT].min()
    )
    assert learned[BECAME_LEAD_AT].max() <= NOW - MATURITY


def test_score_people_gives_a_probability_and_reasons_by_the_newest_model() -> None:
    history = build_history(leads=400, won_share=0.15)
    train_from_crm(now=NOW - timedelta(days=30))
    newest = train_from_crm(now=NOW)
    person = history.people[0]
    scores = score_people([person.pk])
    assert scores is not None
    score = scores[person.pk]
    assert 0.0 < score.probability < 1.0
    assert score.model_id == newest.pk
    assert 1 <= len(score.reasons) <= 3
    assert all(r.text.endswith(("raises the score", "lowers the score")) for r in score.reasons)


def test_webinar_leads_who_need_help_now_score_above_rented_list_leads() -> None:
    build_history(leads=400, won_share=0.15)
    train_from_crm(now=NOW)
    rows = lead_rows(Person.objects.all())
    scores = score_people(rows[LEAD_ID].to_list())
    assert scores is not None
    by_source = rows.select(LEAD_ID, "lead_source", "need", WON).with_columns(
        pl.Series("p", [scores[i].probability for i in rows[LEAD_ID]])
    )
    means = dict(by_source.group_by("lead_source").agg(pl.col("p").mean()).iter_rows())
    assert means["webinar"] > means["website"] > means["rented list"]


def test_train_command_prints_algorithm_rows_auc_and_brier() -> None:
    build_history(leads=400, won_share=0.15)
    text = train_command()
    assert "logistic regression" in text
    assert "AUC" in text
    assert "Brier" in text
    assert "learned from" in text


def _fresh_lead() -> Person:
    seed_defaults()
    person = create_person(
        by=None,
        first_name="Wendy",
        last_name="Webinar",
        email="wendy@example.com",
        company_name="Wendy Law",
        niche="legal",
        need=Need.NEED_NOW,
    )
    record_interest_activity(
        person=person,
        kind=ActivityKind.EVENT_ATTENDED,
        wish=FollowUpWish.ASKED,
        by=None,
        at=timezone.now(),
    )
    person.refresh_from_db()
    return person


def test_the_person_page_shows_the_score_beside_temperature(client: Client) -> None:
    build_history(leads=400, won_share=0.15)
    train_from_crm(now=NOW)
    lead = _fresh_lead()
    detail = person_detail(lead.pk)
    assert detail is not None
    assert detail.score is not None
    client.force_login(make_user("val", "Val", "Viewer"))
    page = client.get(f"/people/{lead.pk}/").content.decode()
    assert 'id="score"' in page
    assert f"{detail.score.percent}% likely to become a client" in page
    assert "beside temperature, not instead of it" in page
    for reason in detail.score.reasons:
        assert reason.text in page


def test_the_person_page_says_when_no_model_is_trained(client: Client) -> None:
    lead = _fresh_lead()
    client.force_login(make_user("val", "Val", "Viewer"))
    page = client.get(f"/people/{lead.pk}/").content.decode()
    assert "No lead-score model has been trained yet." in page


def test_a_page_view_loads_the_model_once_per_process(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    history = build_history(leads=400, won_share=0.15)
    train_from_crm(now=NOW)
    person = history.people[0]
    # The newest model's id, its blob, the person's fields, their intake activities.
    with django_assert_num_queries(4):
        first = score_people([person.pk])
    # The blob is not read again: the unpickled model is kept for its id.
    with django_assert_num_queries(3):
        again = score_people([person.pk])
    assert first == again
