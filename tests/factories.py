"""Factories for test data: real rows in the real database, never mocks of our own models."""

import factory
from django.contrib.auth import get_user_model

from papers.models import Paper
from summaries import services
from summaries.models import Summary, SummaryViewCount


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"reader{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paper

    title = factory.Sequence(lambda n: f"A study of things, part {n}")
    authors = factory.LazyFunction(lambda: ["Ada Lovelace", "Charles Babbage", "Alan Turing"])
    abstract = "We study things."
    year = 2016
    arxiv_id = factory.Sequence(lambda n: f"1601.{n:05d}")
    arxiv_version = 1
    categories = factory.LazyFunction(lambda: ["cs.LG"])


class SummaryFactory(factory.django.DjangoModelFactory):
    """Goes through summaries.services so body_html is rendered exactly as the site renders it."""

    class Meta:
        model = Summary

    paper = factory.SubFactory(PaperFactory)
    author = factory.SubFactory(UserFactory)
    body = "This paper shows that $x_1 + x_2$ is *interesting*."

    @classmethod
    def _create(cls, model_class, paper, author, body, view_count=0, **kwargs):
        summary = services.summary_save(paper=paper, author=author, body=body)
        if view_count:
            SummaryViewCount.objects.create(summary=summary, count=view_count)
        if kwargs:
            Summary.objects.filter(pk=summary.pk).update(**kwargs)
            summary.refresh_from_db()
        return summary
