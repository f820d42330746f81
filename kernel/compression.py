"""Responses compressed as Django's GZipMiddleware does, fast.

Every page a member gets is made for them (their CSRF token, their likes), so it is
compressed for each request. At Django's level 6 (zlib) that took 1 to 3 ms for a member's
episode page of 100 kB on these machines, more than filling it; zlib's level 1 took a third
of that, still a quarter of a member's page's instructions. ISA-L (the `isal` package, Intel's
deflate for storage and networks) at its level 1 takes a sixth of zlib's level 1 for fewer
bytes (13.8 kB instead of 14.2 kB for that page, docs/PERFORMANCE.md): the same gzip format,
read by every browser. Visitors' cached pages are compressed once, with zlib at level 9, when
they are stored (kernel/pagecache.py).

The random padding in the gzip header, Django's mitigation of BREACH, is kept.
"""

import gzip
import secrets

from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware
from django.middleware.gzip import re_accepts_gzip
from django.utils.cache import patch_vary_headers
from isal import igzip

LEVEL = 1


def compress(content: bytes, *, max_random_bytes: int) -> bytes:
    compressed = memoryview(igzip.compress(content, compresslevel=LEVEL, mtime=0))
    header = bytearray(compressed[:10])
    header[3] = gzip.FNAME
    # As Django's, from 1 to max_random_bytes characters, none of them NUL (which ends it).
    filename = secrets.token_hex(max_random_bytes)[: secrets.randbelow(max_random_bytes) + 1]
    return bytes(header) + filename.encode() + b"\x00" + compressed[10:]


class GZipMiddleware(DjangoGZipMiddleware):
    def process_response(self, request, response):
        if (
            response.streaming
            or len(response.content) < 200
            or response.has_header("Content-Encoding")
        ):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Encoding",))
        if not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        compressed = compress(response.content, max_random_bytes=self.max_random_bytes)
        if len(compressed) >= len(response.content):
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(response.content))
        # As Django's: the compressed body is not the same bytes, so a strong ETag weakens.
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response
