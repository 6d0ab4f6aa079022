from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderedFile:
    out_path: str             # relative to the output folder, '/' separators
    content: bytes
    deps: frozenset[str]      # the inputs it was made from
    origin: str = ""          # the source it renders, for messages ('' for generated pages)
    # set when a worker process hashed ``content`` (SiteWriter.put); with
    # ``written``, it also wrote it into the next tree and sent the file on
    # without its bytes
    digest: bytes | None = None
    written: bool = False
