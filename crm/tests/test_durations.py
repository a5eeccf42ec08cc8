"""Durations (a service request's time to assign, to first handling, to archive) read the same
way everywhere: the two largest units, in the user's language, "—" for a step not taken yet."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import translation

from crm.formats.durations import duration


@pytest.mark.parametrize(
    ("span", "english", "chinese"),
    [
        (timedelta(seconds=20), "under a minute", "不到 1 分钟"),
        (timedelta(minutes=1), "1 minute", "1 分钟"),
        (timedelta(minutes=45, seconds=59), "45 minutes", "45 分钟"),
        (timedelta(hours=1), "1 hour", "1 小时"),
        (timedelta(hours=3, minutes=5), "3 hours 5 minutes", "3 小时 5 分钟"),
        (timedelta(days=1), "1 day", "1 天"),
        (timedelta(days=2, hours=3, minutes=5), "2 days 3 hours", "2 天 3 小时"),
        (timedelta(days=2, minutes=5), "2 days", "2 天"),
        (timedelta(days=400, hours=1), "400 days 1 hour", "400 天 1 小时"),
    ],
)
def test_a_duration_reads_in_its_two_largest_units_in_both_languages(span, english, chinese):
    with translation.override("en"):
        assert duration(span) == english
    with translation.override("zh-hans"):
        assert duration(span) == chinese


@pytest.mark.parametrize("value", [None, "", "3 days", 5])
def test_no_duration_reads_as_a_dash(value):
    assert duration(value) == "—"


def test_a_negative_duration_reads_as_none_spent():
    with translation.override("en"):
        assert duration(timedelta(minutes=-5)) == "under a minute"


def test_the_template_filter_writes_the_same():
    template = Template("{% load durations %}{{ span|duration }}|{{ nothing|duration }}")
    with translation.override("zh-hans"):
        rendered = template.render(Context({"span": timedelta(hours=5, minutes=30), "nothing": None}))
    assert rendered == "5 小时 30 分钟|—"
