"""A lean HTTP/1.1 keep-alive client for load generation.

httpx spends more CPU per request the more connections it juggles (about 1 ms per request
at 16 connections, 7 ms at 64 on the 2-core development machine), so at high concurrency
the load generator, not the server, set the numbers. Each simulated client here owns one
connection, as a real client would, and parses responses with httptools (uvicorn's parser).
"""

from __future__ import annotations

import asyncio

import httptools


class HttpConnection:
    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host = host
        self.port = port
        self._headers = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, body: bytes) -> tuple[int, bytes]:
        """POST `body` as JSON; the response's status and body (reconnects once if the server closed)."""
        for attempt in (1, 2):
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            head = (
                f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self._headers}"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            try:
                self._writer.write(head.encode() + body)
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, bytes]:
        assert self._reader is not None
        chunks: list[bytes] = []
        done = asyncio.Event()

        class Callbacks:
            def on_body(self, data: bytes) -> None:
                chunks.append(data)

            def on_message_complete(self) -> None:
                done.set()

        parser = httptools.HttpResponseParser(Callbacks())
        while not done.is_set():
            data = await self._reader.read(65536)
            if not data:
                raise ConnectionError("the server closed the connection")
            parser.feed_data(data)
        return parser.get_status_code(), b"".join(chunks)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        self._reader = self._writer = None
