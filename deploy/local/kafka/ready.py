"""Exit 0 when the Kafka broker at HOST:PORT answers a metadata request listing a broker and a controller.

Used by kafka.sh as the readiness probe: an open TCP port alone is not enough, because the broker accepts
connections before it has registered with the controller. Uses aiokafka when importable (the client the
services use); otherwise falls back to a hand-rolled Metadata v8 request with the standard library, so the
stack can come up before the virtualenv exists.

usage: python ready.py 127.0.0.1:19092
"""

import asyncio
import socket
import struct
import sys

TIMEOUT_S = 5.0


async def _check_aiokafka(bootstrap: str) -> str:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(TIMEOUT_S * 1000))
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
    finally:
        await admin.close()
    if not cluster.get("brokers") or cluster.get("controller_id", -1) < 0:
        raise RuntimeError(f"metadata has no broker/controller yet: {cluster}")
    return f"cluster {cluster.get('cluster_id')}, {len(cluster['brokers'])} broker(s) (aiokafka)"


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        buf += chunk
    return buf


def _check_raw(host: str, port: int) -> str:
    # Metadata v8 (last non-flexible version; supported by Kafka 2.3 .. 4.x): no topics, no auto-create.
    client_id = b"handoff-ready"
    header = struct.pack(">hhih", 3, 8, 1, len(client_id)) + client_id
    body = struct.pack(">i???", 0, False, False, False)
    request = header + body
    with socket.create_connection((host, port), timeout=TIMEOUT_S) as sock:
        sock.sendall(struct.pack(">i", len(request)) + request)
        (size,) = struct.unpack(">i", _recv_exact(sock, 4))
        data = _recv_exact(sock, size)
    pos = 8  # correlation id, throttle_time_ms
    (n_brokers,) = struct.unpack_from(">i", data, pos)
    pos += 4
    for _ in range(n_brokers):
        pos += 4  # node_id
        (hlen,) = struct.unpack_from(">h", data, pos)
        pos += 2 + hlen + 4  # host, port
        (rlen,) = struct.unpack_from(">h", data, pos)
        pos += 2 + max(rlen, 0)  # rack (nullable)
    (clen,) = struct.unpack_from(">h", data, pos)
    cluster_id = data[pos + 2 : pos + 2 + clen].decode() if clen >= 0 else None
    pos += 2 + max(clen, 0)
    (controller_id,) = struct.unpack_from(">i", data, pos)
    if n_brokers < 1 or controller_id < 0:
        raise RuntimeError(f"metadata has no broker/controller yet ({n_brokers} brokers, controller {controller_id})")
    return f"cluster {cluster_id}, {n_brokers} broker(s) (raw metadata request)"


def main() -> int:
    bootstrap = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:19092"
    host, _, port = bootstrap.rpartition(":")
    try:
        try:
            import aiokafka  # noqa: F401
        except ImportError:
            print(_check_raw(host, int(port)))
        else:
            print(asyncio.run(asyncio.wait_for(_check_aiokafka(bootstrap), TIMEOUT_S * 2)))
    except Exception as exc:  # any failure just means "not ready yet"
        print(f"not ready: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
