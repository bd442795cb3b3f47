"""A tiny stdlib ``html.parser`` reader for pytest-html reports (no third-party parser)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any


class ReportParser(HTMLParser):
    """Collects the kabul scorecard, the results-table header and pytest-html's JSON data blob."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.verdict = ""
        self.area_rows: list[list[str]] = []
        self.scorecard_headers: list[str] = []
        self.table_headers: list[str] = []
        self.blob: dict[str, Any] = {}
        self.style_blocks = 0
        self._stack: list[tuple[str, dict[str, str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_verdict = False

    def _inside(self, tag: str, **attrs: str) -> bool:
        return any(
            t == tag and all(a.get(k) == v for k, v in attrs.items()) for t, a in self._stack
        )

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "div" and "data-jsonblob" in attrs:
            self.blob = json.loads(attrs["data-jsonblob"])
        if tag in ("meta", "link", "input", "br", "img", "source"):
            return
        self._stack.append((tag, attrs))
        if tag == "span" and attrs.get("class") == "verdict":
            self._in_verdict = True
        if tag == "tr" and attrs.get("class") == "kabul-area":
            self._row = []
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self._in_verdict = False
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            if self._row is not None:
                self._row.append(text)
            elif tag == "th" and self._inside("thead", id="results-table-head"):
                self.table_headers.append(text)
            elif tag == "th" and self._inside("div", id="kabul-scorecard"):
                self.scorecard_headers.append(text)
            self._cell = None
        if tag == "tr" and self._row is not None:
            self.area_rows.append(self._row)
            self._row = None
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_verdict:
            self.verdict += data
        if self._cell is not None:
            self._cell.append(data)


def parse_report(text: str) -> ReportParser:
    parser = ReportParser()
    parser.feed(text)
    parser.close()
    return parser
