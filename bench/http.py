"""A lean HTTP/1.1 GET client on asyncio streams with kept-alive connections: the load the gateway bench sends
costs the shared cores a quarter of what httpx's does, so the figure is the gateway's, not the client's."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit


class Getter:
    """GETs with fixed headers over a pool of kept connections (a new one whenever all are busy)."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        url = urlsplit(base)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.head = f"Host: {url.netloc}\r\n{extra}\r\n"
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def get(self, path: str) -> tuple[int, bytes]:
        """The status and body of `GET path`; a kept connection the server has closed meanwhile is replaced."""
        while self.idle:
            try:
                return await self._get(self.idle.pop(), path)
            except (asyncio.IncompleteReadError, ConnectionError) as e:
                if getattr(e, "partial", b""):
                    raise  # the server answered in part: a real failure, not a closed idle connection
        return await self._get(await asyncio.open_connection(self.host, self.port), path)

    async def _get(self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], path: str) -> tuple[int, bytes]:
        reader, writer = conn
        try:
            writer.write(f"GET {path} HTTP/1.1\r\n{self.head}".encode())
            status, body, keep = await _response(reader)
        except BaseException:
            writer.close()
            raise
        if keep:
            self.idle.append(conn)
        else:
            writer.close()
        return status, body

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle = []


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
    if fields.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while size := int((await reader.readuntil(b"\r\n"))[:-2].split(b";")[0], 16):
            body += (await reader.readexactly(size + 2))[:-2]
        await reader.readuntil(b"\r\n")
    else:
        body = await reader.readexactly(int(fields.get("content-length", "0")))
    return status, body, fields.get("connection", "").lower() != "close"
