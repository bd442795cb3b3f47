"""Start paths from platform files: PaaS configs, Kubernetes manifests, deploy workflows.

``fly.toml`` (``release_command``), ``render.yaml`` (``preDeployCommand``), ``railway.json`` /
``railway.toml`` / ``railpack.json`` / ``nixpacks.toml`` (``preDeployCommand``), ``heroku.yml``
(``release``); Kubernetes workloads (an initContainer or a migration Job in the same folder
counts as the migration); GitHub Actions jobs that deploy (their ``run:`` steps).
"""

from __future__ import annotations

import re
from typing import Any

from pytest_kabul.model import Location
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.model import (
    StartKind,
    StartPath,
    argv_of,
    build_path,
    dir_of,
    dockerfile_argv,
    is_production_file,
    join,
    key_line,
    release_applied,
    table,
)
from pytest_kabul.project.deploy.startup import program_upgrade
from pytest_kabul.project.docker.dockerfiles import dockerfiles

_WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"})


def _paas_path(
    project: Project, rel: str, name: str, start: object, line: int, base_dir: str
) -> StartPath | None:
    argv = argv_of(start)
    if argv is None:
        if start is None:
            for dockerfile in dockerfiles(project):
                if dockerfile.directory == base_dir and is_production_file(dockerfile.path):
                    argv, line = dockerfile_argv(dockerfile)
                    break
        if not argv:
            return None
    return build_path(
        project,
        follow=program_upgrade,
        subject=f"{rel}:{name}",
        kind=StartKind.PAAS,
        location=Location(rel, line),
        argv=argv,
        base_dir=base_dir,
    )


def _release(project: Project, rel: str, command: object, line: int) -> StartPath | None:
    argv = argv_of(command)
    if argv is None:
        return None
    return build_path(
        project,
        follow=program_upgrade,
        subject=f"{rel}:release",
        kind=StartKind.PAAS,
        location=Location(rel, line),
        argv=argv,
        base_dir=dir_of(rel),
    )


def paas_paths(project: Project) -> list[StartPath]:
    out: list[StartPath] = []
    for rel in project.files:
        name = rel.rsplit("/", 1)[-1]
        text = project.read_text(rel) if name in _PAAS_FILES else None
        if text is None:
            continue
        base = dir_of(rel)
        data: Any
        if name == "fly.toml":
            data = project.read_toml(rel) or {}
            deploy = data.get("deploy", {}) if isinstance(data.get("deploy"), dict) else {}
            release = _release(
                project, rel, deploy.get("release_command"), key_line(text, "release_command")
            )
            procs = data.get("processes") if isinstance(data.get("processes"), dict) else None
            items: list[tuple[str, object, int]] = (
                [(k, v, key_line(text, "processes", k)) for k, v in sorted(procs.items())]
                if procs
                else [("app", data.get("experimental", {}).get("cmd"), 1)]
            )
            for proc, cmd, line in items:
                path = _paas_path(project, rel, proc, cmd, line, base)
                if path is not None:
                    out.append(release_applied(path, release, "release_command"))
        elif name == "render.yaml":
            data = project.read_yaml(rel)
            for svc in data.get("services", []) if isinstance(data, dict) else []:
                if not isinstance(svc, dict) or svc.get("type") not in ("web", "pserv", None):
                    continue
                sname = str(svc.get("name", "web"))
                start = svc.get("startCommand") or svc.get("dockerCommand")
                root = join(base, str(svc.get("rootDir", ".")))
                line = key_line(text, "services", f"name: {sname}", "startCommand")
                path = _paas_path(project, rel, sname, start, line, root)
                release = _release(
                    project, rel, svc.get("preDeployCommand"), key_line(text, "preDeployCommand")
                )
                if path is not None:
                    out.append(release_applied(path, release, "preDeployCommand"))
        elif name in ("railway.json", "railway.toml", "railpack.json", "nixpacks.toml"):
            data = project.read_toml(rel) if name.endswith(".toml") else project.read_json(rel)
            if not isinstance(data, dict):
                continue
            deploy = table(data.get("deploy"))
            start_table = table(data.get("start"))
            start = deploy.get("startCommand") or start_table.get("cmd")
            pre = deploy.get("preDeployCommand")
            if isinstance(pre, list) and all(isinstance(p, str) for p in pre):
                pre = " && ".join(pre)
            release = _release(project, rel, pre, key_line(text, "preDeployCommand"))
            line = (
                key_line(text, "startCommand")
                if deploy.get("startCommand")
                else key_line(text, "cmd")
            )
            path = _paas_path(project, rel, "web", start, line, base)
            if path is not None:
                out.append(release_applied(path, release, "preDeployCommand"))
        elif name == "heroku.yml":
            data = project.read_yaml(rel)
            if not isinstance(data, dict):
                continue
            rel_table = table(data.get("release"))
            release = _release(
                project, rel, rel_table.get("command"), key_line(text, "release", "command")
            )
            run = table(data.get("run"))
            for proc, cmd in sorted(run.items()):
                value = cmd.get("command") if isinstance(cmd, dict) else cmd
                path = _paas_path(
                    project, rel, str(proc), value, key_line(text, "run", str(proc)), base
                )
                if path is not None:
                    out.append(release_applied(path, release, "release phase"))
    return out


_PAAS_FILES = frozenset(
    {"fly.toml", "render.yaml", "railway.json", "railway.toml", "railpack.json", "nixpacks.toml",
     "heroku.yml"}
)  # fmt: skip


def k8s_paths(project: Project) -> list[StartPath]:
    out: list[StartPath] = []
    jobs: dict[str, StartPath] = {}
    workloads: list[StartPath] = []
    for rel in project.files.suffix(".yaml", ".yml"):
        text = project.read_text(rel)
        if text is None or "containers:" not in text or "kind:" not in text or "{{" in text:
            continue
        for doc in project.read_yaml_all(rel):
            if not isinstance(doc, dict) or doc.get("kind") not in _WORKLOADS:
                continue
            kind, name = str(doc["kind"]), str((doc.get("metadata") or {}).get("name", "?"))
            spec = _pod_spec(doc)
            init = None
            for container in spec.get("initContainers") or []:
                path = _container(project, rel, text, f"{kind}/{name}", container)
                if path is not None and path.migration is not None:
                    init = path
            for container in spec.get("containers") or []:
                path = _container(project, rel, text, f"{kind}/{name}", container)
                if path is None:
                    continue
                path = release_applied(path, init, "initContainer")
                if kind in ("Job", "CronJob") and path.migration is not None:
                    jobs[dir_of(rel)] = path
                workloads.append(path)
    for path in workloads:
        folder = dir_of(path.location.path)
        job = next((j for d, j in sorted(jobs.items()) if folder.startswith(d)), None)
        out.append(release_applied(path, job, "migration Job") if job is not path else path)
    return out


def _pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    spec = doc.get("spec") or {}
    if doc.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    if doc.get("kind") != "Pod":
        spec = ((spec.get("template") or {}).get("spec")) or {}
    return spec if isinstance(spec, dict) else {}


def _container(
    project: Project, rel: str, text: str, workload: str, container: object
) -> StartPath | None:
    if not isinstance(container, dict):
        return None
    argv = [*(argv_of(container.get("command")) or []), *(argv_of(container.get("args")) or [])]
    if isinstance(container.get("command"), str) or isinstance(container.get("args"), str):
        return None
    if not argv:
        return None
    cname = str(container.get("name", "app"))
    return build_path(
        project,
        follow=program_upgrade,
        subject=f"{rel}:{workload}/{cname}",
        kind=StartKind.K8S,
        location=Location(rel, key_line(text, f"name: {cname}")),
        argv=argv,
        base_dir="",
    )


def ci_paths(project: Project) -> list[StartPath]:
    out: list[StartPath] = []
    for rel in project.files.under(".github/workflows"):
        if not rel.endswith((".yml", ".yaml")):
            continue
        data = project.read_yaml(rel)
        jobs = data.get("jobs") if isinstance(data, dict) else None
        if not isinstance(jobs, dict):
            continue
        text = project.read_text(rel) or ""
        for job_id, job in sorted(jobs.items()):
            label = f"{rel} {job_id} {job.get('name', '') if isinstance(job, dict) else ''}"
            if not isinstance(job, dict) or not re.search(r"deploy|release|prod", label, re.I):
                continue
            runs = [s.get("run") for s in job.get("steps") or [] if isinstance(s, dict)]
            script = "\n".join(r for r in runs if isinstance(r, str))
            if not script:
                continue
            out.append(
                build_path(
                    project,
                    follow=program_upgrade,
                    subject=f"{rel}:{job_id}",
                    kind=StartKind.CI,
                    location=Location(rel, key_line(text, "jobs", str(job_id))),
                    argv=["/bin/sh", "-c", script],
                    base_dir="",
                )
            )
    return out
