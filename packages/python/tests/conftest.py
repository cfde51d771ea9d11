"""The session's servers (the real service on free ports against the Redis at REDIS_URL) and
key prefixes; every key the tests create is removed at the end."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

from support import Redis, Server, ensure_build, node_binary

RUN = f"test:py-{secrets.token_hex(4)}"
AUTH_SECRET = "python-client-tests-" + secrets.token_hex(16)


@pytest.fixture(scope="session")
def node() -> str:
    binary = node_binary()
    ensure_build(binary)
    return binary


@pytest.fixture(scope="session")
def redis() -> Iterator[Redis]:
    client = Redis()
    yield client
    for pattern in (f"{RUN}:*", f"XMETA:{RUN}:*"):
        client.delete_matching(pattern)
    client.close()


@pytest.fixture(scope="session")
def server(node: str, redis: Redis) -> Iterator[Server]:
    srv = Server(node).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def url(server: Server) -> str:
    return server.url


@pytest.fixture(scope="session")
def auth_server(node: str, redis: Redis) -> Iterator[Server]:
    srv = Server(node, {"AUTH_JWT_SECRET": AUTH_SECRET}).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def small_server(node: str, redis: Redis) -> Iterator[Server]:
    """A server with a 64 KiB frame / body limit."""
    srv = Server(node, {"MAX_PAYLOAD_BYTES": "65536"}).start()
    yield srv
    srv.stop()


@pytest.fixture
def restartable(node: str, redis: Redis) -> Iterator[Server]:
    """A server of the test's own, to kill and restart."""
    srv = Server(node).start()
    yield srv
    srv.stop()


@pytest.fixture
def sid(request: pytest.FixtureRequest) -> str:
    """A stream id under the run's prefix, unique to the test."""
    return f"{RUN}:{request.node.name}:{secrets.token_hex(3)}"


@pytest.fixture(scope="session")
def run_prefix() -> str:
    return RUN


os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
