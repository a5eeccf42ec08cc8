import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def in_english():
    # The tests read the actions' messages in English, whatever LANGUAGE_CODE the suite runs with.
    with translation.override("en"):
        yield
