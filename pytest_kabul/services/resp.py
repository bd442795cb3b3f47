"""A minimal Redis (RESP2) client: enough for PING, SELECT, DBSIZE, SET NX and FLUSHDB.

The plugin needs only a handful of commands to probe and clean a Redis server, so it does not
depend on redis-py at run time.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from pytest_kabul.errors import RedisError

Reply = int | str | bytes | list["Reply"] | None


@dataclass(frozen=True)
class RedisAddress:
    host: str
    port: int
    db: int = 0
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> RedisAddress:
        parts = urlsplit(url)
        if parts.scheme not in {"redis", ""}:
            raise RedisError(f"unsupported Redis URL scheme {parts.scheme!r} (use redis://)")
        path = parts.path.strip("/")
        try:
            db = int(path) if path else 0
        except ValueError:
            raise RedisError(f"Redis URL database {path!r} is not a number") from None
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 6379,
            db=db,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def url(self, db: int | None = None) -> str:
        auth = ""
        if self.password is not None:
            auth = f"{self.username or ''}:{self.password}@"
        return f"redis://{auth}{self.host}:{self.port}/{self.db if db is None else db}"

    def display(self, db: int | None = None) -> str:
        """The URL without credentials (safe for logs and reports)."""
        return f"redis://{self.host}:{self.port}/{self.db if db is None else db}"


class RespConnection:
    def __init__(self, address: RedisAddress, timeout: float = 2.0) -> None:
        try:
            self._sock = socket.create_connection((address.host, address.port), timeout=timeout)
        except OSError as exc:
            raise RedisError(f"cannot connect to {address.display()}: {exc}") from None
        self._buf = b""
        if address.password is not None:
            args = [address.username, address.password] if address.username else [address.password]
            self.call("AUTH", *args)
        if address.db:
            self.call("SELECT", str(address.db))

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> RespConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, *args: str) -> Reply:
        out = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = arg.encode()
            out.append(b"$%d\r\n%s\r\n" % (len(data), data))
        try:
            self._sock.sendall(b"".join(out))
            return self._read()
        except OSError as exc:
            raise RedisError(f"connection error: {exc}") from None

    def _line(self) -> bytes:
        while b"\r\n" not in self._buf:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise RedisError("connection closed by the server")
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\r\n")
        return line

    def _exact(self, size: int) -> bytes:
        while len(self._buf) < size + 2:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise RedisError("connection closed by the server")
            self._buf += chunk
        data, self._buf = self._buf[:size], self._buf[size + 2 :]
        return data

    def _read(self) -> Reply:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RedisError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            return None if size < 0 else self._exact(size)
        if kind == b"*":
            count = int(rest)
            return None if count < 0 else [self._read() for _ in range(count)]
        raise RedisError(f"unexpected reply {line[:40]!r}")
