"""The session plugin, registered only when ``--kabul-readiness`` (or ``--kabul-only``) is on."""

from __future__ import annotations

import os
import time
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

import pytest

from pytest_kabul.collect import ItemFactory, KabulCheckCollector, KabulCollector, skip_location
from pytest_kabul.config import KabulConfig, load_config
from pytest_kabul.errors import BaselineError, ConfigError
from pytest_kabul.evaluations import Evaluations
from pytest_kabul.gate import Decision, Gate
from pytest_kabul.links import check_url
from pytest_kabul.model import Finding, Severity
from pytest_kabul.nodeids import NODE_IDS, NodeSelection, names
from pytest_kabul.payload import USER_PROPERTY, ItemPayload
from pytest_kabul.progress import CollectionProgress
from pytest_kabul.project.core import Project
from pytest_kabul.registry import Check, all_checks, is_selected
from pytest_kabul.report.baseline import load_baseline
from pytest_kabul.report.results import ItemResult, Results
from pytest_kabul.report.scorecard import Scorecard, build_scorecard
from pytest_kabul.rootdir import audited_root

# Options naming a report file a session writes (pytest-html, junitxml, report-log, ours).
OUTPUT_OPTIONS = (
    "htmlpath",
    "xmlpath",
    "report_log",
    "kabul_json",
    "kabul_sarif",
    "kabul_markdown",
)
PYTHON_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "Pipfile", "alembic.ini")


def nothing_to_audit(project: Project) -> str | None:
    """The usage error for a root with nothing the checks recognise (an empty folder, the wrong
    folder): "Ready" there would be a silent pass."""
    for rel in project.files:
        name = rel.rsplit("/", 1)[-1]
        if (
            name.endswith(".py")
            or name in PYTHON_MARKERS
            or (name.startswith("requirements") and name.endswith(".txt"))
            or name.startswith(("Dockerfile", "Containerfile"))
            or name.endswith((".Dockerfile", ".dockerfile"))
            or name == "package.json"
            or (name.endswith((".yml", ".yaml")) and "compose" in name)
        ):
            return None
    return (
        f"nothing to audit at {project.root}: no Python app, compose file, Dockerfile or"
        " Next.js app found (pass --kabul-root to choose the folder)"
    )


def _split(values: Sequence[str]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        out.extend(part.strip().upper() for part in value.split(",") if part.strip())
    return tuple(out)


class KabulPlugin:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        from pytest_kabul.redact import REDACTOR

        REDACTOR.clear()  # one session's values (pytester runs several in one process)
        opt = config.getoption
        root_opt = opt("kabul_root")
        self.root = Path(root_opt).resolve() if root_opt else audited_root(config.rootpath)
        if not self.root.is_dir():
            raise pytest.UsageError(f"--kabul-root {root_opt}: not a directory")
        self.root_note = (
            f"kabul: audited root {self.root} differs from pytest's rootdir {config.rootpath}"
            " (the repository top level is audited; pass --kabul-root to choose)"
            if self.root != config.rootpath.resolve() and not root_opt
            else None
        )
        explicit = opt("kabul_config")
        try:
            file_config = load_config(self.root, Path(explicit) if explicit else None)
        except ConfigError as exc:
            raise pytest.UsageError(f"pytest-kabul configuration error: {exc}") from None
        self.kabul_config = self._merge(file_config)
        self.checks = self._select(all_checks())
        self.fail_level = Severity.parse(self.kabul_config.fail_level)
        self.results = Results()
        self._project: Project | None = None
        self._evaluations: Evaluations | None = None
        self._live_secrets = False
        self._collection_seconds: dict[str, float] = {}  # check code -> its collection time
        self.collected = 0
        self.progress = CollectionProgress(config)
        baseline_opt = opt("kabul_baseline")
        self.baseline_path = Path(baseline_opt) if baseline_opt else None
        self.baseline_write = bool(opt("kabul_baseline_write"))
        if self.baseline_write and self.baseline_path is None:
            raise pytest.UsageError("--kabul-baseline-write needs --kabul-baseline PATH")
        baseline = None
        if self.baseline_path is not None and not self.baseline_write:
            try:
                baseline = load_baseline(self.baseline_path)
            except BaselineError as exc:
                raise pytest.UsageError(f"pytest-kabul: {exc}") from None
        self._gate = Gate(self.fail_level, self.kabul_config.waivers, baseline)
        self.exitstatus: int | None = None
        self.reaped: list[str] = []
        if config.pluginmanager.hasplugin("html"):
            # pytest-html is optional: its hooks live in a module only imported when it is there.
            from pytest_kabul.report.html import KabulHtml

            config.pluginmanager.register(KabulHtml(self), "kabul-html")

    # -- configuration ------------------------------------------------------------------------
    def _merge(self, file_config: KabulConfig) -> KabulConfig:
        opt, ini = self.config.getoption, self.config.getini
        select = _split(opt("kabul_select")) or _split(ini("kabul_select")) or file_config.select
        ignore = _split(opt("kabul_ignore")) or _split(ini("kabul_ignore")) or file_config.ignore
        fail_level = opt("kabul_fail_level") or ini("kabul_fail_level") or file_config.fail_level
        return file_config.with_overrides(
            select=tuple(select), ignore=tuple(ignore), fail_level=str(fail_level).lower()
        )

    def _select(self, catalogue: tuple[Check, ...]) -> tuple[Check, ...]:
        known = {c.code for c in catalogue}
        cfg = self.kabul_config
        patterns = [*cfg.select, *cfg.ignore, *(w.code for w in cfg.waivers)]
        for pattern in patterns:
            if not any(code.startswith(pattern) for code in known):
                valid = ", ".join(sorted(known))
                where = cfg.source or "the command line"
                raise pytest.UsageError(
                    f"pytest-kabul: unknown check code {pattern!r} (in {where}); valid: {valid}"
                )
        return tuple(
            c
            for c in catalogue
            if is_selected(c.code, cfg.select, cfg.ignore)
            and (not c.opt_in or any(c.code.startswith(s) and len(s) == 6 for s in cfg.select))
        )

    @property
    def project(self) -> Project:
        if self._project is None:
            self._project = Project(
                self.root, self.kabul_config, cache_dir=self._cache_dir(), jobs=self._jobs()
            )
        return self._project

    def _jobs(self) -> int:
        """Processes a bulk scan may fork: ``--kabul-jobs``, else one per usable CPU; one in an
        xdist worker (the workers are the parallelism)."""
        from pytest_kabul.project.python.prefetch import usable_cpus

        if self.is_worker:
            return 1
        return int(self.config.getoption("kabul_jobs", 0) or 0) or usable_cpus()

    def _cache_dir(self) -> Path | None:
        """pytest's cache folder for the per-file records; None under ``-p no:cacheprovider``
        or when it cannot be created (a read-only checkout): the run is then only uncached."""
        cache = getattr(self.config, "cache", None)
        if cache is None:
            return None
        try:
            folder: Path = cache.mkdir("kabul")
        except OSError:
            return None
        return folder

    @property
    def evaluations(self) -> Evaluations:
        if self._evaluations is None:
            outputs = self._outputs()
            self._evaluations = Evaluations(self.project, self._cache_dir(), outputs=outputs)
        return self._evaluations

    def _outputs(self) -> frozenset[str]:
        """The reports this session writes inside the audited root (``--html=readiness.html``
        in the project's folder): they change every run, and no check reads them."""
        base = self.config.invocation_params.dir
        paths: list[Path] = []
        for name in OUTPUT_OPTIONS:
            value = self.config.getoption(name, None)
            if value:
                paths.append(base / str(value))
                if name == "htmlpath" and not self.config.getoption("self_contained_html", False):
                    paths.append((base / str(value)).parent / "assets" / "style.css")
        if self.baseline_write and self.baseline_path is not None:
            paths.append(self.baseline_path)
        rels = (self.project.rel(path) for path in paths)
        return frozenset(rel for rel in rels if not self.project.is_outside(rel))

    @property
    def is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Reap what killed runs left behind (their owner is dead): processes, databases,
        embedded servers, temp folders (see ``services/owners.py``)."""
        if self.is_worker:
            return
        import pytest_kabul.services.postgres  # noqa: F401  # registers its reapers
        from pytest_kabul.services.owners import reap

        self.reaped = reap()

    # -- collection --------------------------------------------------------------------------
    def pytest_ignore_collect(self, collection_path: Path) -> bool | None:
        if self.config.getoption("kabul_only"):
            return True
        return None

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(
        self, collector: pytest.Collector
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        """Hang the ``kabul`` collector under the session, beside the project's own tests, so
        pytest's own collection counts, reports and shows its items."""
        started = time.perf_counter()
        report = yield
        if isinstance(collector, KabulCheckCollector):
            seconds = time.perf_counter() - started
            self.progress.check_done(collector.kabul_check, seconds)
            self._collection_seconds[collector.kabul_check.code] = seconds
        if isinstance(collector, pytest.Session) and report.passed:
            started = time.perf_counter()
            nothing = nothing_to_audit(self.project)  # indexes the project's files
            self.progress.indexed(time.perf_counter() - started)
            if nothing:
                raise pytest.UsageError(f"pytest-kabul: {nothing}")
            # A large cold run: a forked helper judges some checks meanwhile (``helper.py``).
            self.evaluations.start_helper(self.checks)
            factory = ItemFactory(
                self.project,
                gate=self.gate,
                require_live=bool(self.config.getoption("kabul_require_live")),
                evaluations=self.evaluations,
            )
            parent = KabulCollector.from_parent(
                collector, name="kabul", nodeid="kabul", path=self.root
            )
            parent.factory = factory
            # KAB001 (unreadable input) must see every other check's problems: collected last.
            parent.checks = tuple(sorted(self.checks, key=lambda c: (c.code == "KAB001", c.code)))
            report.result.append(parent)
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.progress.finish()  # before the terminal reporter's "collected N items"

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        ours = [i for i in items if getattr(i, "kabul_check", None) is not None]
        if not ours:
            raise pytest.UsageError(
                "pytest-kabul: --kabul-readiness is on but no readiness check was collected"
                f" (select={list(self.kabul_config.select)},"
                f" ignore={list(self.kabul_config.ignore)})"
            )
        self.collected = len(ours)
        self._learn_secrets()
        mine = set(map(id, ours))
        items[:] = [i for i in items if id(i) not in mine] + sorted(ours, key=lambda i: i.name)
        selection = config.stash.get(NODE_IDS, None)
        if selection is not None:
            self._keep_node_ids(config, items, selection)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """A skipped readiness item is placed at the project file its reason is about, not at
        the plugin line that raised the skip. A check judged during collection adds that time to
        the call phase of its first item to run, so ``--durations``, JUnit ``time`` and the JSON
        report show what judging it cost (a ``kabul_collection_seconds`` property says how much
        of it was collection)."""
        report = yield
        check = getattr(item, "kabul_check", None)
        if report.when == "call" and check is not None:
            seconds = self._collection_seconds.pop(check.code, 0.0)
            if seconds:
                report.duration += seconds
                # junitxml writes the properties the teardown report copies from the item
                item.user_properties.append(("kabul_collection_seconds", f"{seconds:.3f}"))
        if report.skipped and isinstance(report.longrepr, tuple):
            subject = getattr(item, "kabul_subject", None)
            if getattr(item, "kabul_check", None) is not None:
                message = report.longrepr[2]
                rel = skip_location(self.project, subject, message)
                where = str(self.root / rel) if rel else str(self.root)
                # pytest prints ``path: reason`` for a skip without a line number.
                report.longrepr = (where, None, message)  # type: ignore[assignment]
        return report

    @staticmethod
    def _keep_node_ids(
        config: pytest.Config, items: list[pytest.Item], selection: NodeSelection
    ) -> None:
        """Keep only the readiness items named on the command line; an id that names no item
        is a usage error, not a silent empty run."""

        def named(item: pytest.Item, wanted_id: str) -> bool:
            return names(item.nodeid, wanted_id)

        wanted = selection.ids
        ours = [i for i in items if getattr(i, "kabul_check", None) is not None]
        unknown = [w for w in wanted if not any(named(i, w) for i in ours)]
        if unknown:
            raise pytest.UsageError(
                f"pytest-kabul: no readiness item {unknown[0]!r} (ids look like"
                " 'kabul::KAB101[backend:sentry-sdk]'; run with --co -q to list them)"
            )
        dropped = [i for i in ours if not any(named(i, w) for w in wanted)]
        if selection.only:
            dropped += [i for i in items if getattr(i, "kabul_check", None) is None]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            gone = set(map(id, dropped))
            items[:] = [i for i in items if id(i) not in gone]

    def _learn_secrets(self) -> None:
        from pytest_kabul.project.secrets import seen_values
        from pytest_kabul.redact import REDACTOR

        REDACTOR.add(seen_values(self.project))

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Before the first live item runs after a warm collection: stored findings are masked
        already, but a live run prints what the app does, so learn the Settings defaults that a
        cold run's static checks would have taught the redactor."""
        check = getattr(item, "kabul_check", None)
        if check is None or not check.live or self._evaluations is None:
            return
        if self._evaluations.hits and not self._live_secrets:
            from pytest_kabul.project.python.settings.classes import settings_classes

            self._live_secrets = True
            settings_classes(self.project)
            self._learn_secrets()

    def pytest_deselected(self, items: Sequence[pytest.Item]) -> None:
        for item in items:
            check = getattr(item, "kabul_check", None)
            if check is not None:
                self.results.deselected.add((check.code, getattr(item, "kabul_subject", None)))

    def gate(self, check: Check, subject: str | None, findings: tuple[Finding, ...]) -> Decision:
        return self._gate.decide(check.code, subject, findings)

    def scorecard(self) -> Scorecard:
        return build_scorecard(
            self.results,
            self.checks,
            self.fail_level,
            self.kabul_config.waivers,
            incomplete=self._incomplete(),
        )

    def _incomplete(self) -> str | None:
        """Why this session's results cannot give a verdict, if they cannot."""
        status = self.exitstatus
        if status == pytest.ExitCode.INTERRUPTED:
            return "the session was interrupted before every check ran"
        if status in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
            return f"the session ended with an error (exit {int(status)}) before the checks ran"
        expected = self.collected - len(self.results.deselected)
        judged_failed = any(
            r.outcome == "failed" and not r.not_run for r in self.results.items.values()
        )
        if self.collected and not judged_failed and len(self.results.items) < expected:
            missing = expected - len(self.results.items)
            return f"{missing} readiness check{'s' if missing != 1 else ''} did not run"
        return None

    # -- results -----------------------------------------------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Teardown reports carry the same user_properties; only a teardown error counts.
        if self.is_worker or (report.when == "teardown" and not report.failed):
            return
        for key, value in report.user_properties:
            if key == USER_PROPERTY:
                payload = ItemPayload.from_json(str(value))
                self.results.add(ItemResult.from_report(report, payload))

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        # A plain impl runs inside the terminal reporter's wrapper, so the summary can name it.
        if self._project is not None:  # every item ran: its texts and trees are not needed
            self._project.release()
        if self._evaluations is not None:  # what this process judged, for the next run
            self._evaluations.save()
        if self.is_worker:
            return
        from pytest_kabul.report.baseline import write_baseline
        from pytest_kabul.report.json_report import write_json
        from pytest_kabul.report.sarif import write_sarif

        self.exitstatus = int(exitstatus)
        if not self.collected:  # the xdist controller: learn what the workers masked
            self._learn_secrets()
        meta = self._report_meta()
        card = self.scorecard()
        path = self.config.getoption("kabul_json")
        if path:
            write_json(Path(path), meta, self.results, card)
            self.results.written.append(("JSON", str(path)))
        sarif = self.config.getoption("kabul_sarif")
        if sarif:
            active = self.baseline_path is not None and not self.baseline_write
            write_sarif(
                Path(sarif),
                self.checks,
                self.results,
                baseline_active=active,
                root=self.root,
                docs_url=self.kabul_config.docs_url,
            )
            self.results.written.append(("SARIF", str(sarif)))
        if self.baseline_write and self.baseline_path is not None:
            write_baseline(self.baseline_path, self.results.findings())
            self.results.written.append(("Baseline", str(self.baseline_path)))
        self._write_markdown(card)

    def _write_markdown(self, card: Scorecard) -> None:
        from pytest_kabul.report.github import job_summary

        targets: list[tuple[str, str]] = []
        if self.config.getoption("kabul_markdown"):
            targets.append(("w", str(self.config.getoption("kabul_markdown"))))
        step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if os.environ.get("GITHUB_ACTIONS") == "true" and step_summary:
            targets.append(("a", step_summary))  # other steps write there too: append
        if not targets:
            return
        text = job_summary(card, self.results, self.kabul_config.docs_url)
        for mode, target in targets:
            path = Path(target)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open(mode, encoding="utf-8") as fh:
                fh.write(text)
            self.results.written.append(("Markdown summary", target))

    def _report_meta(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "config": self.kabul_config.source,
            "fail_level": self.fail_level.label,
            "checks": [
                {**c.to_dict(), "help_url": check_url(c.code, self.kabul_config.docs_url)}
                for c in self.checks
            ],
            "baseline": {
                "path": str(self.baseline_path) if self.baseline_path else None,
                "mode": "write" if self.baseline_write else "read" if self.baseline_path else None,
            },
        }

    def pytest_report_header(self) -> list[str]:
        lines = [f"kabul: audited root: {self.root}"]
        if self.root_note:
            lines.append(f"WARNING {self.root_note}")
        return lines

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        from pytest_kabul.redact import redact
        from pytest_kabul.report.terminal import summary_lines

        terminalreporter.section("kabul readiness")
        terminalreporter.write_line(f"audited root: {self.root}")
        if self.root_note:
            terminalreporter.write_line(f"WARNING {self.root_note}", yellow=True)
        hits = self._evaluations.hits if self._evaluations is not None else 0
        if hits:
            terminalreporter.write_line(
                f"{hits} check evaluation{'s' if hits != 1 else ''} reused from .pytest_cache:"
                " no file they read changed since the run that stored them (--cache-clear"
                " judges afresh)"
            )
        if self.config.getoption("collectonly"):
            terminalreporter.write_line(
                f"{self.collected} readiness items collected from {len(self.checks)} checks"
                " (--collect-only: none ran)"
            )
            return
        area_of = {c.code: c.area.value for c in self.checks}
        card = self.scorecard()
        for line in summary_lines(self.results, card, area_of, self.kabul_config.source):
            terminalreporter.write_line(redact(line))
        if self.config.getoption("kabul_annotations") or os.environ.get("GITHUB_ACTIONS") == "true":
            from pytest_kabul.report.github import workflow_annotations

            names = {c.code: c.name for c in self.checks}
            for line in workflow_annotations(self.results, names, self.kabul_config.docs_url):
                terminalreporter.write_line(redact(line))
        if self.config.getoption("kabul_explain_runtime", False) and not self.is_worker:
            from pytest_kabul.project.deploy.runtime import explain_lines

            terminalreporter.section("kabul runtime model")
            for line in explain_lines(self.project):
                terminalreporter.write_line(line)
        if self.reaped:
            terminalreporter.write_line(
                f"removed {len(self.reaped)} leftover(s) of killed runs: " + ", ".join(self.reaped)
            )
