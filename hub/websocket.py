"""The hub's WebSocket protocol for uvicorn: uvicorn's own, with per-message deflate tuned for the live stream.

Nearly everything the hub sends over WebSockets is the live stream: JSON of ≈ 700 bytes an event, many
events a message, every client compressing its own copy. uvicorn compresses with zlib's default level
(6) in a 4 KiB window (`server_max_window_bits=12`, `memLevel` 5). Level 1 in zlib's default 32 KiB
window (`memLevel` 8) costs the event loop less CPU per event per client and shrinks the stream more:
the keys and place names that repeat from one event to the next are mostly further back than 4 KiB
(docs/MEASUREMENTS.md has the figures). The price is memory: 256 KiB of compressor state per
connection instead of 32 KiB. What the client may use towards the hub stays as
uvicorn has it (a 4 KiB window); the map sends nothing but control frames.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from websockets.server import ServerProtocol

COMPRESS = {"level": 1, "memLevel": 8}


class LiveWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, config: Config, server_state: Any, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        if config.ws_per_message_deflate:  # uvicorn's connection, handshake not begun, with our compression
            self.conn = ServerProtocol(
                extensions=[ServerPerMessageDeflateFactory(client_max_window_bits=12, compress_settings=COMPRESS)],
                max_size=config.ws_max_size, logger=logging.getLogger("uvicorn.error"))
