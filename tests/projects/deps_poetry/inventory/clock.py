import datetime

import freezegun


def frozen_now() -> datetime.datetime:
    with freezegun.freeze_time("2024-01-01"):
        return datetime.datetime.now()
