"""How `serve` runs uvicorn: asyncio's event loop and HTTP without Nagle's delay.

Measured on 2 cores with two wrk threads at 512 connections: with uvloop, a few
connections were not read for the whole run (answers after 10 s and more while
the others took milliseconds), for a dict lookup behind FastAPI as for ours;
asyncio's loop served every connection in turn (slowest answer under 0.5 s), at
about the same requests/s up to 64 connections and fewer (~60%) at saturation.

asyncio sets ``TCP_NODELAY`` only on sockets created with ``IPPROTO_TCP``;
uvicorn's shared socket for several workers is not, so every answer (headers,
then body) waited for the client's delayed ACK (about 40 ms). The protocol below
sets it on each connection.
"""

import asyncio
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

EVENT_LOOP = "asyncio"
HTTP_PROTOCOL = "movie_recommender.web.http_protocol:NoDelayHttpToolsProtocol"


def send_without_delay(transport: asyncio.BaseTransport) -> None:
    """Turn off Nagle's algorithm on a TCP connection (nothing for other sockets)."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, answering without waiting for ACKs."""

    def connection_made(  # type: ignore[override]  # uvicorn narrows the type
        self, transport: asyncio.Transport
    ) -> None:
        """Set ``TCP_NODELAY``, then handle the connection as uvicorn does."""
        send_without_delay(transport)
        super().connection_made(transport)
