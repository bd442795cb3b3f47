"""The file index: gitignore semantics, skipped folders, symlinks, and the safe readers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from pytest_kabul.model import Severity
from pytest_kabul.project import yamlsafe
from pytest_kabul.project.core import Problem, Project
from pytest_kabul.project.walker import GitIgnore, walk
from tests.helpers import MakeProject, write_file


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "expected"),
    [
        ("*.log", "a/b/c.log", False, True),
        ("/build", "build", True, True),
        ("/build", "app/build", True, None),
        ("build/", "app/build", True, True),
        ("build/", "app/build", False, None),
        ("docs/**/*.md", "docs/a/b/c.md", False, True),
        ("**/secret.txt", "x/y/secret.txt", False, True),
        ("a/*.py", "a/b/c.py", False, None),
        ("[Tt]emp", "Temp", True, True),
        ("# comment", "# comment", False, None),
    ],
)
def test_gitignore_patterns(pattern: str, path: str, is_dir: bool, expected: bool | None) -> None:
    assert GitIgnore(pattern).match(path, is_dir=is_dir) is expected


def test_gitignore_negation_reincludes() -> None:
    gi = GitIgnore("*.env\n!example.env\n")
    assert gi.match("prod.env", is_dir=False) is True
    assert gi.match("example.env", is_dir=False) is False


def test_walk_skips_vcs_deps_venvs_caches_and_ignored(tmp_path: Path) -> None:
    for rel in [
        "backend/app/main.py",
        "backend/pyproject.toml",
        "backend/.venv/lib/x.py",
        "backend/env2/pyvenv.cfg",
        "backend/env2/lib/site.py",
        "frontend/node_modules/next/index.js",
        "frontend/package.json",
        "frontend/.next/server.js",
        "frontend/build/out.js",
        "backend/app/build/helpers.py",
        ".git/config",
        "backend/app/__pycache__/main.cpython-311.pyc",
        "logs/today.log",
        "nested/.gitignore",
        "nested/keep.py",
        "nested/drop.tmp",
    ]:
        write_file(tmp_path, rel)
    write_file(tmp_path, ".gitignore", "*.log\n")
    write_file(tmp_path, "nested/.gitignore", "*.tmp\n")
    result = walk(tmp_path)
    assert result.files == (
        ".gitignore",
        "backend/app/build/helpers.py",
        "backend/app/main.py",
        "backend/pyproject.toml",
        "frontend/package.json",
        "nested/.gitignore",
        "nested/keep.py",
    )


def test_walk_reports_symlink_loops_and_never_follows_dir_links(tmp_path: Path) -> None:
    write_file(tmp_path, "app/main.py")
    os.symlink(".", tmp_path / "app" / "loop")
    os.symlink(tmp_path / "app", tmp_path / "alias")
    os.symlink(tmp_path / "missing", tmp_path / "dangling")
    result = walk(tmp_path)
    assert result.files == ("app/main.py",)
    assert result.problems == (
        ("app/loop", "symlink loop or dangling symlink, not followed"),
        ("dangling", "symlink loop or dangling symlink, not followed"),
    )


def test_exclude_globs_from_config(tmp_path: Path) -> None:
    write_file(tmp_path, "app/main.py")
    write_file(tmp_path, "legacy/old.py")
    assert walk(tmp_path, ("legacy",)).files == ("app/main.py",)


def test_readers_record_problems_instead_of_raising(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("[project\nname=")
    (tmp_path / "bad.yml").write_text("a: [1, 2\n")
    (tmp_path / "bad.json").write_text("{,}")
    (tmp_path / "latin1.py").write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    (tmp_path / "blob.py").write_bytes(b"\x00\x01\x02")
    (tmp_path / "syntax.py").write_text("def f(:\n")
    project = Project(tmp_path)
    assert project.read_toml("bad.toml") is None
    assert project.read_yaml("bad.yml") is None
    assert project.read_json("bad.json") is None
    assert project.parse_python("latin1.py") is None
    assert project.parse_python("blob.py") is None
    assert project.parse_python("syntax.py") is None
    assert project.read_text("missing.txt") is None
    problems = {p.path: p for p in project.problems}
    assert sorted(problems) == [
        "bad.json",
        "bad.toml",
        "bad.yml",
        "blob.py",
        "latin1.py",
        "missing.txt",
        "syntax.py",
    ]
    assert problems["bad.toml"].message.startswith("invalid TOML:")
    assert problems["bad.toml"].severity is Severity.ERROR
    assert problems["latin1.py"].message.startswith("not valid UTF-8 (byte 8); not read")
    assert problems["blob.py"].message == "binary file (NUL bytes) where text was expected"
    assert problems["syntax.py"].message.startswith("cannot be parsed by Python 3.")
    assert "(line 1)" in problems["syntax.py"].message


def test_yaml_anchor_bomb_is_refused(tmp_path: Path) -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    (tmp_path / "bomb.yml").write_text("\n".join(lines) + "\n")
    project = Project(tmp_path)
    assert project.read_yaml("bomb.yml") is None
    assert "anchor bomb" in project.problems[0].message


def test_yaml_compose_tags_are_kept_as_values(tmp_path: Path) -> None:
    (tmp_path / "c.yml").write_text(
        "services:\n  a:\n    ports: !reset []\n    image: !override x\n"
    )
    assert Project(tmp_path).read_yaml("c.yml") == {"services": {"a": {"ports": [], "image": "x"}}}


@pytest.mark.parametrize(
    ("text", "anchored"),
    [
        ("a: &x 1\nb: *x\n", True),
        ("- [&x 1, *x]\n", True),
        ("k: {a: *x}\n", True),
        ("run: make && make test\n", False),
        ("paths: ['src/**/*.py', '*.md']\n", False),
        ("cron: '*/15 * * * *'\n", False),
    ],
)
def test_the_anchor_pattern_finds_anchors_not_shell_lines_or_globs(
    text: str, anchored: bool
) -> None:
    """What sends a lockfile to the bounded loader (``node/lockfiles_yaml.py``)."""
    assert bool(yamlsafe.ANCHOR_RE.search(text)) is anchored


@pytest.mark.skipif(yamlsafe.FastSafeLoader is None, reason="PyYAML without libyaml")
def test_libyaml_and_the_bounded_loader_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "wf.yml": "on:\n  push:\n    branches: ['release/**']\njobs:\n  t:\n"
        "    steps:\n      - run: make && make test\n        env: {CI: yes, N: 0o17}\n",
        "multi.yml": "a: 1\n---\nb: !custom [2]\n---\n",
        "bad.yml": "a: b: c\n",
        "tabs.yml": "a:\n\t- b\n",
        "anchors.yml": "x-env: &env {A: 1, B: yes}\njobs:\n  t:\n    env:\n      <<: *env\n"
        "      C: 2\n    steps: [&s {run: 'make 2>&1'}, *s]\n",
        "bomb.yml": "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n"
            for i in range(6)
        ),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    used: list[str] = []
    real = yamlsafe.load_all

    def spying(text: str) -> list[object]:
        used.append(text)
        return real(text)

    monkeypatch.setattr("pytest_kabul.project.core.load_all", spying)
    fast = Project(tmp_path)
    fast_docs = {name: fast.read_yaml_all(name) for name in files}
    assert len(used) == len(files)
    monkeypatch.setattr(yamlsafe, "FastSafeLoader", None)  # the pure-Python loader alone
    slow = Project(tmp_path)
    assert {name: slow.read_yaml_all(name) for name in files} == fast_docs
    assert fast_docs["multi.yml"] == [{"a": 1}, {"b": [2]}]
    assert fast_docs["anchors.yml"] == [
        {
            "x-env": {"A": 1, "B": True},
            "jobs": {
                "t": {"env": {"A": 1, "B": True, "C": 2}, "steps": [{"run": "make 2>&1"}] * 2}
            },
        }
    ]
    assert fast.problems == slow.problems
    assert {p.path for p in fast.problems} == {"bad.yml", "tabs.yml", "bomb.yml"}
    assert "anchor bomb" in next(p.message for p in fast.problems if p.path == "bomb.yml")


@pytest.mark.skipif(yamlsafe.FastSafeLoader is None, reason="PyYAML without libyaml")
def test_every_yaml_file_of_the_test_projects_reads_the_same_on_both_loaders() -> None:
    tests = Path(__file__).resolve().parents[1]
    paths = sorted(p for p in tests.rglob("*.y*ml") if "__pycache__" not in p.parts)
    assert paths
    for path in paths:
        text = path.read_text(encoding="utf-8")
        outcome = []
        for loader in (yamlsafe.FastSafeLoader, yamlsafe.BoundedSafeLoader):
            try:
                outcome.append([data for _node, data in yamlsafe.documents(loader, text)])
            except yaml.YAMLError as exc:
                outcome.append([f"error: {type(exc).__name__}"])
        assert outcome[0] == outcome[1], path


def test_syntax_trees_kept_stay_within_the_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_kabul.project import core

    for i in range(40):
        (tmp_path / f"m{i:02}.py").write_text(f"X{i} = {i}\n" * 10)  # 70-odd characters
    (tmp_path / "bad.py").write_text("def f(:\n")
    monkeypatch.setattr(core, "TREE_BUDGET", 500)
    project = Project(tmp_path)
    trees = {f"m{i:02}.py": project.parse_python(f"m{i:02}.py") for i in range(40)}
    kept = [rel for rel, tree in project._trees.items() if tree is not None]
    assert kept == [f"m{i:02}.py" for i in range(len(kept))]
    assert 4 <= len(kept) <= 7
    assert project._kept <= 500
    assert project.parse_python("m00.py") is trees["m00.py"]  # within the budget
    assert project.parse_python("m39.py") is trees["m39.py"]  # among the last ones
    assert project.parse_python("m20.py") is not trees["m20.py"]  # parsed again
    assert len(project._recent) == core.RECENT_TREES
    assert project.parse_python("bad.py") is None
    assert project.parse_python("bad.py") is None
    assert [p.path for p in project.problems] == ["bad.py"]


def test_texts_past_the_budget_are_kept_compressed_and_read_back_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_kabul.project import core

    texts = {f"m{i:02}.py": f"# café {i}\n" + f"X{i} = '{i}' * 3\n" * 20 for i in range(30)}
    for rel, text in texts.items():
        (tmp_path / rel).write_text(text, encoding="utf-8")
    (tmp_path / "latin.py").write_bytes(b"x = '\xe9'\n")
    monkeypatch.setattr(core, "TEXT_BUDGET", 1000)
    project = Project(tmp_path)
    assert [project.read_text(rel) for rel in texts] == list(texts.values())
    assert 1 <= len(project._texts) < len(texts)
    assert project._text_chars <= 1000
    assert set(project._packed) == set(texts) - set(project._texts)
    for rel in texts:  # the files are not read again: the packed copy answers
        (tmp_path / rel).unlink()
    assert [project.read_text(rel) for rel in texts] == list(texts.values())
    assert project.problems == ()
    assert set(texts) <= project.inputs()
    last = sorted(project._packed)[-1]  # asked again in a row: unpacked once
    assert project.read_text(last) is project.read_text(last)
    assert len(project._recent_texts) <= core.RECENT_TEXTS
    packed = sorted(project._packed)[0]
    project.forget_text(packed)
    assert packed not in project._packed
    assert packed in project.inputs()
    assert project.read_text("latin.py") is None
    assert project.unreadable("latin.py")


def test_release_drops_texts_and_trees_but_not_what_was_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_kabul.project import core

    for i in range(12):
        (tmp_path / f"m{i:02}.py").write_text(f"X{i} = {i}\n" * 10)
    (tmp_path / "bad.py").write_text("def f(:\n")
    (tmp_path / "latin.py").write_bytes(b"x = '\xe9'\n")
    monkeypatch.setattr(core, "TEXT_BUDGET", 300)  # some texts kept packed
    project = Project(tmp_path)
    trees = [project.parse_python(f"m{i:02}.py") for i in range(12)]
    assert project.parse_python("bad.py") is None
    assert project.read_text("latin.py") is None
    assert project._packed
    inputs, problems = project.inputs(), project.problems

    project.release()

    assert project.inputs() == inputs
    assert (project._packed, project._recent_texts, project._recent) == ({}, {}, {})
    assert [rel for rel, text in project._texts.items() if text is not None] == []
    assert [rel for rel, tree in project._trees.items() if tree is not None] == []
    assert project.unreadable("latin.py")
    assert project.parse_python("bad.py") is None  # remembered: no second Problem
    assert project.problems == problems
    assert project.read_text("m05.py") == "X5 = 5\n" * 10  # read again, the same
    assert project.parse_python("m00.py") is not trees[0]


def test_problem_sorting_is_deterministic() -> None:
    a = Problem("b.py", "z")
    b = Problem("a.py", "y")
    assert sorted([a, b]) == [b, a]


def test_deeply_nested_python_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "deep.py").write_text("x = " + "+".join(["1"] * 200_000) + "\n")
    (tmp_path / "unary.py").write_text("x = " + "-" * 100_000 + "1\n")
    project = Project(tmp_path)
    assert project.parse_python("deep.py") is None
    assert project.parse_python("unary.py") is None
    assert [(p.path, p.message) for p in project.problems] == [
        ("deep.py", "nested too deeply for the Python parser; not checked"),
        ("unary.py", "nested too deeply for the Python parser; not checked"),
    ]


def test_kab001_reads_manifests_no_facet_needed(tmp_path: Path) -> None:
    from pytest_kabul.checks.project.unreadable_project_file import evaluate

    (tmp_path / "backend").mkdir()
    (tmp_path / "backend" / "pyproject.toml").write_text("[project\nname=")
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "package.json").write_text("{")
    evaluation = evaluate(Project(tmp_path))
    assert [(f.subject, f.severity, f.message.split(":")[0]) for f in evaluation.findings] == [
        ("backend/pyproject.toml", Severity.ERROR, "invalid TOML"),
        ("web/package.json", Severity.ERROR, "invalid JSON"),
    ]


def test_templates_are_kept_out_of_the_index(tmp_path: Path) -> None:
    write_file(tmp_path, "backend/app/main.py")
    write_file(tmp_path, "cookiecutter.json", "{}\n")
    write_file(tmp_path, "{{cookiecutter.project_slug}}/docker-compose.yml", "ports: [{{x}}]\n")
    write_file(tmp_path, "{{cookiecutter.project_slug}}/backend/pyproject.toml", "[project\n")
    write_file(tmp_path, "deploy/docker-compose.prod.yml.j2", "{% if tls %}\n")
    write_file(tmp_path, "deploy/nginx.conf.jinja", "{{ host }}\n")
    write_file(tmp_path, "services/{{ name }}.py", "x = {{ value }}\n")
    result = walk(tmp_path)
    assert result.files == ("backend/app/main.py", "cookiecutter.json")
    assert result.templates == (
        "deploy/docker-compose.prod.yml.j2",
        "deploy/nginx.conf.jinja",
        "services/{{ name }}.py",
        "{{cookiecutter.project_slug}}/backend/pyproject.toml",
        "{{cookiecutter.project_slug}}/docker-compose.yml",
    )


def test_template_files_are_a_note_not_a_kab001_error(tmp_path: Path) -> None:
    from pytest_kabul.checks.deployment.no_database_backup import check as kab503
    from pytest_kabul.checks.deployment.no_reverse_proxy import check as kab501
    from pytest_kabul.checks.project.unreadable_project_file import check as kab001

    write_file(tmp_path, "{{cookiecutter.project_slug}}/docker-compose.yml", "a: [{{x}}\n")
    write_file(tmp_path, "{{cookiecutter.project_slug}}/backend/pyproject.toml", "[project\n")
    write_file(tmp_path, "tools/render.py", "print('ok')\n")
    project = Project(tmp_path)
    evaluation = kab001.evaluate(project)
    assert evaluation.findings == ()
    assert evaluation.notes == {
        "files": "2 template file(s) not read as project files (they become valid only once"
        " rendered): {{cookiecutter.project_slug}}/"
    }
    for check in (kab501, kab503):
        reason = check.evaluate(project).not_applicable or ""
        assert "{{cookiecutter.project_slug}}/docker-compose.yml is a template" in reason


def test_a_nul_inside_typescript_source_is_text_not_binary(make_project: MakeProject) -> None:
    """`${a}\\0${b}` in a .ts file is valid code; the same byte in a .py file is unreadable."""
    project = make_project({"web/key.ts": "export const k = (a: string) => `${a}\0x`;\n"})
    (project.root / "app.py").write_bytes(b"x = 1\0\n")
    assert project.read_text("web/key.ts") is not None
    assert project.read_text("app.py") is None
    assert [p.path for p in project.problems] == ["app.py"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symlinks")
def test_reads_through_the_folder_cache_refuse_what_resolves_outside(tmp_path: Path) -> None:
    """With the folder cache (one lstat per file) every answer is the uncached reader's."""
    from pytest_kabul.project.files import read_bounded

    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "app" / "inner").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.py").write_text("TOKEN = 1\n")
    (root / "app" / "ok.py").write_text("x = 1\n")
    (root / "app" / "inner" / "deep.py").write_text("y = 2\n" * 250_000)  # read in two chunks
    (root / "linked").symlink_to(outside)  # a folder link out of the root
    (root / "alias").symlink_to(root / "app")  # a folder link inside it
    (root / "app" / "file_link.py").symlink_to(outside / "secret.py")
    (root / "app" / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    os.mkfifo(root / "app" / "pipe.py")
    rels = [
        "app/ok.py", "app/inner/deep.py", "linked/secret.py", "alias/ok.py",
        "app/file_link.py", "app/dangling.py", "app/pipe.py", "app/missing.py",
        "linked/missing.py", "app/../app/ok.py", "app/inner/..", "../outside/secret.py",
    ]  # fmt: skip
    folders: dict[str, str | None] = {}
    for _ in range(2):  # the second time, every folder comes from the cache
        assert [read_bounded(root, rel, folders=folders) for rel in rels] == [
            read_bounded(root, rel) for rel in rels
        ]
    answers = {rel: read_bounded(root, rel, folders=folders) for rel in rels}
    assert answers["app/inner/deep.py"] == (b"y = 2\n" * 250_000, None)
    assert answers["linked/secret.py"] == (None, "path resolves outside the audited root; not read")
    assert answers["app/file_link.py"][1] == "symlink resolves outside the audited root; not read"
    assert answers["alias/ok.py"] == (b"x = 1\n", None)
    assert answers["linked/missing.py"][0] is None
    assert str(root / "linked") in folders
    assert folders[str(root / "linked")] is None
