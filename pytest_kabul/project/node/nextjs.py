"""Next.js apps: package.json, lockfile, resolved ``next`` version, next.config facts, routes,
middleware/proxy files and the Docker image that runs the app.

An app is a folder with a ``package.json`` that depends on ``next`` (dependencies or
devDependencies). Everything is read as text: ``next.config.*`` with a comment-aware regex pass,
TypeScript/JavaScript with :mod:`pytest_kabul.project.node.jsparse`. The app's image is the
Dockerfile in its folder, or one elsewhere that COPYs the folder; its install steps and final base
image (libc, CPU) decide which sharp binaries the image needs.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from pytest_kabul.model import Severity
from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.docker.dockerfiles import Dockerfile, dockerfiles
from pytest_kabul.project.node.image import AppImage, image_facts
from pytest_kabul.project.node.jsparse import strip_comments
from pytest_kabul.project.node.lockfiles import LOCKFILE_NAMES, Lockfile, parse_lockfile
from pytest_kabul.project.node.lockfiles_yaml import LockfileError
from pytest_kabul.project.node.routes import app_route, pages_route

SOURCE_EXTS = (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts", ".mdx")
CONFIG_NAMES = tuple(f"next.config.{e}" for e in ("js", "mjs", "ts", "cjs", "mts"))
MIDDLEWARE_NAMES = tuple(f"{b}.{e}" for b in ("middleware", "proxy") for e in ("ts", "js", "mjs"))
_IMAGE_IMPORT_RE = re.compile(
    r"""(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]next/(?:legacy/|future/)?image['"]"""
)
# The module name the import above names: stripping comments (a tokenizer) is done only on
# files whose raw text holds it.
_IMAGE_MODULE_RE = re.compile(r"""next/(?:legacy/|future/)?image['"]""")
MAX_SOURCE_BYTES = 1024 * 1024
_VERSION_RE = re.compile(r"(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?")


class OutputMode(enum.Enum):
    SERVER = "server"  # the default: `next start`
    STANDALONE = "standalone"
    EXPORT = "export"


@dataclass(frozen=True)
class NextConfig:
    path: str | None
    output: OutputMode = OutputMode.SERVER
    output_line: int | None = None
    unoptimized: bool = False
    loader: str | None = None  # "loader: 'cloudinary'" / "loaderFile: './loader.js'"
    config_line: int | None = None  # where unoptimized / loader was found
    rewrite_sources: tuple[str, ...] = ()  # `source:` paths of rewrites/redirects (served)
    base_path: str | None = None  # `basePath: "/docs"`: the prefix every route is served under


@dataclass(frozen=True)
class NextApp:
    root: str  # folder relative to the project root, "" for the root
    package_json: str
    manifest: Mapping[str, Mapping[str, str]]  # dependencies / devDependencies / optional...
    lockfile: Lockfile | None
    lockfile_path: str | None  # the lockfile the image installs from, even if unparseable
    next_version: tuple[int, int, int] | None
    next_version_source: str  # "pnpm-lock.yaml (16.0.3)" / "package.json range ^14.2.3"
    config: NextConfig
    image_imports: tuple[tuple[str, int], ...]  # (file, line) importing next/image
    app_routes: tuple[tuple[tuple[str, ...], str], ...]  # (segments, file) from app/ trees
    page_routes: tuple[tuple[tuple[str, ...], str], ...]  # from pages/ trees
    route_dirs: tuple[str, ...]  # app/, src/app/, pages/, src/pages/ that exist
    public_paths: frozenset[str]
    middleware: tuple[str, ...]  # middleware.ts / proxy.ts files (project-relative)
    image: AppImage | None
    source_files: tuple[str, ...] = field(default=())

    @property
    def subject(self) -> str:
        return self.root or "."

    def path(self, rel: str) -> str:
        return f"{self.root}/{rel}" if self.root else rel

    def declared(self, name: str) -> str | None:
        """The section of package.json declaring ``name`` (first of deps/optional/dev)."""
        for section in ("dependencies", "optionalDependencies", "devDependencies"):
            if name in self.manifest.get(section, {}):
                return section
        return None


def parse_version(text: str) -> tuple[int, int, int] | None:
    """Lower bound of a version or npm range (``^14.2.3`` -> (14, 2, 3), ``15.x`` -> (15, 0, 0))."""
    m = _VERSION_RE.search(text)
    if not m:
        return None
    parts = [int(p) if p and p.isdigit() else 0 for p in m.groups()]
    return (parts[0], parts[1], parts[2])


def read_next_config(project: Project, root: str) -> NextConfig:
    for name in CONFIG_NAMES:
        rel = f"{root}/{name}" if root else name
        if rel not in project.files:
            continue
        text = project.read_text(rel)
        if text is None:
            return NextConfig(rel)
        code = strip_comments(text)
        output, output_line = OutputMode.SERVER, None
        m = re.search(r"\boutput\s*:\s*([^\n]*)", code)
        if m:
            lit = re.search(r"""['"`](standalone|export)['"`]""", m.group(1))
            if lit:
                output, output_line = OutputMode(lit.group(1)), _line(code, m.start())
        unopt = re.search(r"\bunoptimized\s*:\s*true\b", code)
        loader = re.search(r"""\bloader\s*:\s*['"`]([\w-]+)['"`]""", code)
        loader_file = re.search(r"""\bloaderFile\s*:\s*['"`]([^'"`]+)['"`]""", code)
        described = None
        where = None
        if loader_file:
            described, where = f"loaderFile: '{loader_file.group(1)}'", loader_file.start()
        elif loader and loader.group(1) != "default":
            described, where = f"loader: '{loader.group(1)}'", loader.start()
        if unopt:
            where = unopt.start()
        line = _line(code, where) if where is not None else None
        sources = tuple(sorted(set(re.findall(r"""\bsource\s*:\s*['"`](/[^'"`]*)['"`]""", code))))
        base = re.search(r"""\bbasePath\s*:\s*['"`](/[^'"`$]*)['"`]""", code)
        base_path = base.group(1).rstrip("/") or None if base else None
        return NextConfig(
            rel, output, output_line, bool(unopt), described, line, sources, base_path
        )
    return NextConfig(None)


def _too_big(project: Project, rel: str) -> bool:
    try:
        return (project.root / rel).stat().st_size > MAX_SOURCE_BYTES
    except OSError:
        return True


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _manifest(data: dict[str, object]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for section in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies"):
        deps = data.get(section)
        if isinstance(deps, dict):
            out[section] = {str(k): str(v) for k, v in deps.items()}
    return out


def _is_next_app(project: Project, rel: str, data: dict[str, object]) -> bool:
    """``next`` in dependencies; in devDependencies only when the folder is run by Next
    (a ``next`` script or a next.config) - a component library that merely tests against
    Next is not an app."""
    manifest = _manifest(data)
    if "next" in manifest.get("dependencies", {}):
        return True
    if "next" not in manifest.get("devDependencies", {}):
        return False
    scripts = data.get("scripts")
    if isinstance(scripts, dict) and any(
        re.search(r"(?:^|[\s&;])next(?:\s|$)", str(v)) for v in scripts.values()
    ):
        return True
    folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
    return any(f"{folder}{name}" in project.files for name in CONFIG_NAMES)


def _choose_lockfile(
    project: Project, root: str, image: AppImage | None
) -> tuple[Lockfile | None, str, str | None]:
    """The lockfile the image installs from (nearest folder up, preferring what it COPYs)."""
    folders = [root]
    while folders[-1]:
        folders.append(folders[-1].rsplit("/", 1)[0] if "/" in folders[-1] else "")
    preferred = image.lockfile_names if image else ()
    for folder in folders:
        present = [n for n in LOCKFILE_NAMES if (f"{folder}/{n}" if folder else n) in project.files]
        if not present:
            continue
        present.sort(key=lambda n: (n not in preferred, LOCKFILE_NAMES.index(n)))
        rel = f"{folder}/{present[0]}" if folder else present[0]
        importer = root[len(folder) :].strip("/")
        return _lockfile(project, rel), importer, rel
    return None, "", None


@facet
def _lockfiles(project: Project) -> dict[str, Lockfile | None]:
    return {}


def _lockfile(project: Project, rel: str) -> Lockfile | None:
    """A lockfile parsed once, however many apps of a monorepo install from it."""
    cache = _lockfiles(project)
    if rel not in cache:
        text = project.read_text(rel)
        try:
            cache[rel] = parse_lockfile(rel, text) if text is not None else None
        except LockfileError as exc:
            project.problem(rel, f"malformed lockfile: {exc}", Severity.ERROR)
            cache[rel] = None
    return cache[rel]


def _app_dockerfile(project: Project, root: str) -> Dockerfile | None:
    files = dockerfiles(project)
    own = [d for d in files if d.directory == root]
    if own:
        own.sort(key=lambda d: (d.path.rsplit("/", 1)[-1] != "Dockerfile", "dev" in d.path, d.path))
        return own[0]
    if root:
        for d in files:
            for stage in d.stages:
                for ins in stage.all("COPY") + stage.all("ADD"):
                    if re.search(rf"(?:^|\s|\./){re.escape(root)}(?:/|\s|$)", ins.value):
                        return d
    return None


def _routes(project: Project, root: str) -> tuple[list[tuple[tuple[str, ...], str]], ...]:
    app: list[tuple[tuple[str, ...], str]] = []
    pages: list[tuple[tuple[str, ...], str]] = []
    dirs: list[tuple[tuple[str, ...], str]] = []
    for base in ("app", "src/app", "pages", "src/pages"):
        folder = f"{root}/{base}" if root else base
        files = project.files.under(folder)
        if not files:
            continue
        dirs.append(((), folder))
        for rel in files:
            inner = rel[len(folder) + 1 :]
            if base.endswith("app"):
                segs = app_route(inner)
                if segs is not None:
                    app.append((segs, rel))
            else:
                segs = pages_route(inner)
                if segs is not None:
                    pages.append((segs, rel))
    return app, pages, dirs


@facet
def next_apps(project: Project) -> tuple[NextApp, ...]:
    apps: list[NextApp] = []
    roots: list[str] = []
    candidates: list[tuple[str, str, dict[str, dict[str, str]]]] = []
    for rel in project.files.named("package.json"):
        data = project.read_json(rel)
        if not isinstance(data, dict):
            continue
        manifest = _manifest(data)
        if _is_next_app(project, rel, data):
            root = rel.rsplit("/", 1)[0] if "/" in rel else ""
            candidates.append((root, rel, manifest))
            roots.append(root)
    for root, rel, manifest in candidates:
        apps.append(_build_app(project, root, rel, manifest, roots))
    return tuple(sorted(apps, key=lambda a: a.root))


def _build_app(
    project: Project, root: str, rel: str, manifest: dict[str, dict[str, str]], roots: list[str]
) -> NextApp:
    nested = [r for r in roots if r != root and (not root or r.startswith(root + "/"))]
    files = [f for f in project.files.under(root) if not any(f.startswith(n + "/") for n in nested)]
    sources = tuple(f for f in files if f.endswith(SOURCE_EXTS))
    imports: list[tuple[str, int]] = []
    for src in sources:
        if "/public/" in f"/{src}" or _too_big(project, src):
            continue  # vendored bundles, not app code
        text = project.read_text(src)
        if text is None or _IMAGE_MODULE_RE.search(text) is None:
            continue
        code = strip_comments(text)
        imports.extend((src, _line(code, m.start())) for m in _IMAGE_IMPORT_RE.finditer(code))
    dockerfile = _app_dockerfile(project, root)
    image = image_facts(project, dockerfile, root) if dockerfile else None
    lockfile, importer, lockfile_path = _choose_lockfile(project, root, image)
    spec = manifest.get("dependencies", {}).get("next") or manifest.get("devDependencies", {}).get(
        "next", ""
    )
    resolved = lockfile.resolve("next", importer, spec) if lockfile else None
    if lockfile is not None and resolved and parse_version(resolved):
        version, source = parse_version(resolved), f"{lockfile.path} ({resolved})"
    else:
        version, source = parse_version(spec), f"{rel} range {spec!r}"
    app_routes, page_routes, dirs = _routes(project, root)
    public_dir = f"{root}/public" if root else "public"
    public: set[str] = set()
    for f in project.files.under(public_dir):
        parts = f[len(public_dir) + 1 :].split("/")
        public.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    middleware = tuple(
        f
        for name in MIDDLEWARE_NAMES
        for f in (
            f"{root}/{name}" if root else name,
            f"{root}/src/{name}" if root else f"src/{name}",
        )
        if f in project.files
    )
    return NextApp(
        root=root,
        package_json=rel,
        manifest=manifest,
        lockfile=lockfile,
        lockfile_path=lockfile_path,
        next_version=version,
        next_version_source=source,
        config=read_next_config(project, root),
        image_imports=tuple(sorted(imports)),
        app_routes=tuple(sorted(app_routes)),
        page_routes=tuple(sorted(page_routes)),
        route_dirs=tuple(d for _, d in dirs),
        public_paths=frozenset(public),
        middleware=tuple(sorted(middleware)),
        image=image,
        source_files=sources,
    )
