"""Python 3.14 syntax: no interpreter before 3.14 parses this file, yet its imports count."""

import stripe


class Ledger[T]:
    def first[U](self, rows: list[U]) -> U:
        return rows[0]


def charge(amount: int) -> str:
    try:
        return stripe.Charge.create(amount=amount)
    except ValueError, TypeError:
        return f"{"failed"}"
