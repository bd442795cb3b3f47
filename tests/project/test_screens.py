"""The literal screens in front of whole-file regexes never reject a text the regex matches."""

from __future__ import annotations

import re

import pytest

from pytest_kabul.checks.storage import images_stored_in_database as images
from pytest_kabul.project.deploy import backups, logging_setup
from pytest_kabul.project.python import webhooks
from pytest_kabul.project.screens import may_contain, may_contain_folded

# (regex, its screen's words, folded?) as the modules pair them.
SCREENED = [
    (images._MAY_CARRY, images._CARRY_WORDS, True),
    (webhooks._BROAD, webhooks._BROAD_WORDS, True),
    (backups.DUMP_RE, backups.DUMP_WORDS, False),
    (logging_setup._HANDLER_RE, logging_setup._HANDLER_WORDS, False),
]

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


@pytest.mark.parametrize(("regex", "words", "folded"), SCREENED)
@pytest.mark.parametrize("sample", SAMPLES)
def test_a_screen_passes_every_text_its_regex_matches(
    regex: re.Pattern[str], words: tuple[str, ...], folded: bool, sample: str
) -> None:
    for text in (sample, sample.upper(), sample.swapcase()):
        screen = may_contain_folded(text, words) if folded else may_contain(text, words)
        if regex.search(text):
            assert screen, (regex.pattern, text)


def test_a_folded_screen_rejects_ascii_texts_without_the_words() -> None:
    assert not may_contain_folded("import os\nprint(os.getcwd())\n", webhooks._BROAD_WORDS)
    assert may_contain_folded("WEBHOOK_URL = 1", webhooks._BROAD_WORDS)
    assert may_contain_folded("\u017f", ("s",))  # not ASCII: the regex decides
