"""Standard-library module names per Python version (3.9-3.15): data, not the running interpreter.

``sys.stdlib_module_names`` describes ONE interpreter; a project targets another (``_pyrepl`` is
standard since 3.13, ``distutils`` is gone since 3.12). The base set below is CPython 3.11's
``sys.stdlib_module_names``; the per-version differences come from the "What's New" documents
(removals of PEP 594 "dead batteries" in 3.13, ``asynchat``/``asyncore``/``imp``/``distutils``/
``smtpd`` in 3.12, additions such as ``tomllib`` 3.11, ``_pyrepl`` 3.13, ``annotationlib`` and
``compression`` 3.14). 3.15 is 3.14's set until its "What's New" says otherwise.
"""

from __future__ import annotations

import re

VERSIONS: tuple[tuple[int, int], ...] = tuple((3, m) for m in range(9, 16))

_BASE_311 = frozenset(
    """
    __future__ _abc _aix_support _ast _asyncio _bisect _blake2 _bootsubprocess _bz2 _codecs
    _codecs_cn _codecs_hk _codecs_iso2022 _codecs_jp _codecs_kr _codecs_tw _collections
    _collections_abc _compat_pickle _compression _contextvars _crypt _csv _ctypes _curses
    _curses_panel _datetime _dbm _decimal _elementtree _frozen_importlib
    _frozen_importlib_external _functools _gdbm _hashlib _heapq _imp _io _json _locale
    _lsprof _lzma _markupbase _md5 _msi _multibytecodec _multiprocessing _opcode _operator
    _osx_support _overlapped _pickle _posixshmem _posixsubprocess _py_abc _pydecimal _pyio
    _queue _random _scproxy _sha1 _sha256 _sha3 _sha512 _signal _sitebuiltins _socket
    _sqlite3 _sre _ssl _stat _statistics _string _strptime _struct _symtable _thread
    _threading_local _tkinter _tokenize _tracemalloc _typing _uuid _warnings _weakref
    _weakrefset _winapi _zoneinfo abc aifc antigravity argparse array ast asynchat asyncio
    asyncore atexit audioop base64 bdb binascii bisect builtins bz2 cProfile calendar cgi
    cgitb chunk cmath cmd code codecs codeop collections colorsys compileall concurrent
    configparser contextlib contextvars copy copyreg crypt csv ctypes curses dataclasses
    datetime dbm decimal difflib dis distutils doctest email encodings ensurepip enum errno
    faulthandler fcntl filecmp fileinput fnmatch fractions ftplib functools gc genericpath
    getopt getpass gettext glob graphlib grp gzip hashlib heapq hmac html http idlelib
    imaplib imghdr imp importlib inspect io ipaddress itertools json keyword lib2to3
    linecache locale logging lzma mailbox mailcap marshal math mimetypes mmap modulefinder
    msilib msvcrt multiprocessing netrc nis nntplib nt ntpath nturl2path numbers opcode
    operator optparse os ossaudiodev pathlib pdb pickle pickletools pipes pkgutil platform
    plistlib poplib posix posixpath pprint profile pstats pty pwd py_compile pyclbr pydoc
    pydoc_data pyexpat queue quopri random re readline reprlib resource rlcompleter runpy
    sched secrets select selectors shelve shlex shutil signal site smtpd smtplib sndhdr
    socket socketserver spwd sqlite3 sre_compile sre_constants sre_parse ssl stat statistics
    string stringprep struct subprocess sunau symtable sys sysconfig syslog tabnanny tarfile
    telnetlib tempfile termios textwrap this threading time timeit tkinter token tokenize
    tomllib trace traceback tracemalloc tty turtle turtledemo types typing unicodedata
    unittest urllib uu uuid venv warnings wave weakref webbrowser winreg winsound wsgiref
    xdrlib xml xmlrpc zipapp zipfile zipimport zlib zoneinfo
    """.split()  # noqa: SIM905
)

# (version, added, removed) relative to the previous version.
_CHANGES: dict[tuple[int, int], tuple[frozenset[str], frozenset[str]]] = {
    (3, 10): (frozenset(), frozenset({"formatter", "parser", "symbol", "_bootlocale"})),
    (3, 11): (frozenset({"tomllib", "_tokenize", "_typing"}), frozenset({"binhex"})),
    (3, 12): (
        frozenset({"_pydatetime", "_pylong", "_wmi"}),
        frozenset({"asynchat", "asyncore", "distutils", "imp", "smtpd", "_bootsubprocess"}),
    ),
    (3, 13): (
        frozenset(
            {
                "_pyrepl",
                "_colorize",
                "_android_support",
                "_apple_support",
                "_ios_support",
                "_interpchannels",
                "_interpqueues",
                "_interpreters",
                "_opcode_metadata",
                "_pylong",
                "_suggestions",
                "_sysconfig",
            }
        ),
        frozenset(
            {
                "aifc",
                "audioop",
                "cgi",
                "cgitb",
                "chunk",
                "crypt",
                "imghdr",
                "mailcap",
                "msilib",
                "nis",
                "nntplib",
                "ossaudiodev",
                "pipes",
                "sndhdr",
                "spwd",
                "sunau",
                "telnetlib",
                "uu",
                "xdrlib",
                "lib2to3",
                "_crypt",
                "_msi",
            }
        ),
    ),
    (3, 14): (
        frozenset(
            {
                "annotationlib",
                "compression",
                "_zstd",
                "_remote_debugging",
                "_hmac",
                "_types",
                "_pyrepl",
            }
        ),
        frozenset(),
    ),
    (3, 15): (frozenset(), frozenset()),
}

# ``__main__`` (the running script) and ``__future__`` belong to every interpreter.
ALWAYS = frozenset({"__future__", "__main__", "builtins", "sys"})


def _build() -> dict[tuple[int, int], frozenset[str]]:
    table: dict[tuple[int, int], frozenset[str]] = {(3, 11): _BASE_311}
    # 3.10 and 3.9: undo 3.11's changes, then 3.10's.
    added, removed = _CHANGES[(3, 11)]
    table[(3, 10)] = (_BASE_311 - added) | removed
    added, removed = _CHANGES[(3, 10)]
    table[(3, 9)] = (table[(3, 10)] - added) | removed
    for minor in range(12, 16):
        added, removed = _CHANGES[(3, minor)]
        table[(3, minor)] = (table[(3, minor - 1)] - removed) | added
    return table


STDLIB: dict[tuple[int, int], frozenset[str]] = _build()
ANY_VERSION: frozenset[str] = frozenset().union(*STDLIB.values())


def stdlib_names(versions: tuple[tuple[int, int], ...] = ()) -> frozenset[str]:
    """Top-level names that are standard in ANY of ``versions`` (all known versions if empty).

    A name standard in one allowed version is not a distribution the manifest should declare;
    whether it still exists on the version production runs is only known when the image pins it.
    """
    chosen = [STDLIB[v] for v in versions if v in STDLIB] or list(STDLIB.values())
    return frozenset().union(*chosen) | ALWAYS


_SPEC_RE = re.compile(r"(>=|>|==|~=|<=|<|!=)\s*(\d+)(?:\.(\d+))?")


def versions_allowed(requires_python: str | None) -> tuple[tuple[int, int], ...]:
    """The 3.9-3.15 minors a ``requires-python`` specifier admits (all of them when unknown)."""
    if not requires_python:
        return VERSIONS
    allowed = list(VERSIONS)
    for clause in requires_python.split(","):
        match = _SPEC_RE.search(clause)
        if match is None:
            continue
        op, major, minor = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        if major != 3:
            continue
        bound = (3, minor)
        if op in (">=", "~="):
            allowed = [v for v in allowed if v >= bound]
        elif op == ">":
            allowed = [v for v in allowed if v > bound or (match.group(3) is None and v > bound)]
        elif op == "==" and "*" not in clause and match.group(3) is not None:
            allowed = [v for v in allowed if v == bound]
        elif op == "<":
            allowed = [v for v in allowed if v < bound]
        elif op == "<=":
            allowed = [v for v in allowed if v <= bound]
    return tuple(allowed) or VERSIONS


_IMAGE_RE = re.compile(r"(?:^|/)python:(\d+)\.(\d+)")


def image_version(image: str | None) -> tuple[int, int] | None:
    """``python:3.12-slim`` / ``docker.io/library/python:3.11`` -> (3, 12); else None."""
    if not image:
        return None
    match = _IMAGE_RE.search(image)
    if match is None or int(match.group(1)) != 3:
        return None
    version = (3, int(match.group(2)))
    return version if version in STDLIB else None
