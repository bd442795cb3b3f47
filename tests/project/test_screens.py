"""The literal screens in front of whole-file regexes never reject a text the regex matches, and
a folded pattern answers as its case-insensitive search does."""

from __future__ import annotations

import re

import pytest

from pytest_kabul.checks.storage import images_stored_in_database as images
from pytest_kabul.project.deploy import backups, logging_setup
from pytest_kabul.project.python import webhooks
from pytest_kabul.project.screens import Folded, may_contain

# (regex, its screen's words) as the modules pair them.
SCREENED = [
    (backups.DUMP_RE, backups.DUMP_WORDS),
    (logging_setup._HANDLER_RE, logging_setup._HANDLER_WORDS),
]
FOLDED = [images._MAY_CARRY, webhooks._BROAD, webhooks._MAY_VERIFY]

SAMPLES = [
    "payload = base64.b64encode(raw)",
    "avatar = f'data:image/png;base64,{x}'",
    "DATA_URL = make()",
    "img.dataUrl = v",
    "BASE_64 = 1",
    "binascii.b2a_base64(x); base64.encodebytes(y)",
    "def verify_webhook(req): ...",
    "X-Hub-Signature-256",
    "HMAC digest",
    "svix.Webhook(secret)",
    "SECRET_KEY = 1",
    "sig = headers['x_sig']",
    "\u017fecret = 1",  # the long s: re.IGNORECASE matches it as an s, str.lower() keeps it
    "\u017fignature",
    "pg_dump -Fc db > out.dump",
    "pg_dumpall",
    "pgbackrest --stanza=main backup",
    "wal-g backup-push",
    "barman backup all",
    "pg_probackup backup",
    "logging.handlers.RotatingFileHandler('app.log')",
    "handler = GELFTCPHandler(host)",
    "from fluent import handler; fluent.handler.FluentHandler",
    "import watchtower; logtail; papertrail; axiom; betterstack",
    "logger.add('x.log', rotation = '10 MB')",
    "google.cloud.logging.Client().setup_logging()",
    "from opentelemetry.sdk._logs import LoggingHandler",
    "import datadog_api_client",
    "plain code with none of the words",
]


def _variants(sample: str) -> tuple[str, ...]:
    return (sample, sample.upper(), sample.swapcase(), sample.title())


@pytest.mark.parametrize(("regex", "words"), SCREENED)
@pytest.mark.parametrize("sample", SAMPLES)
def test_a_screen_passes_every_text_its_regex_matches(
    regex: re.Pattern[str], words: tuple[str, ...], sample: str
) -> None:
    for text in _variants(sample):
        if regex.search(text):
            assert may_contain(text, words), (regex.pattern, text)


@pytest.mark.parametrize("folded", FOLDED, ids=lambda f: f.lowered.pattern[:20])
@pytest.mark.parametrize("sample", SAMPLES)
def test_a_folded_pattern_answers_as_its_case_insensitive_search(
    folded: Folded, sample: str
) -> None:
    for text in _variants(sample):
        assert folded.search(text) is bool(folded.folded.search(text)), (folded, text)


def test_folded_patterns_are_written_in_lower_case() -> None:
    """Their literals are matched against lowered text without re.IGNORECASE."""
    for folded in FOLDED:
        literal = re.sub(r"\\.|\[[^\]]*\]", "", folded.lowered.pattern)
        assert literal == literal.lower(), folded.lowered.pattern
        assert all(word == word.lower() for word in folded.words)


def test_a_text_without_the_words_is_rejected_and_a_non_ascii_one_is_searched() -> None:
    assert not webhooks._BROAD.search("import os\nprint(os.getcwd())\n")
    assert webhooks._BROAD.search("WEBHOOK_URL = 1")
    # the long s: re.IGNORECASE matches it as an s, str.lower() keeps it
    assert webhooks._BROAD.search("\u017fecret = 1")
