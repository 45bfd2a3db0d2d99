"""One gzip body from pieces compressed apart: a page's shared bytes compressed once, when it is stored, and the
few bytes that differ for each reader put between them at every request, without compressing the page again.

Each stored `Piece` is raw deflate ending in a full flush: it ends on a byte boundary and nothing after it
refers back into it, so pieces and the per-request bytes (sent as deflate's stored blocks, uncompressed) follow
one another in a single deflate stream. The gzip trailer's CRC-32 of the whole is combined from the pieces'
own: zlib.crc32(data, start) is crc32(data, 0) XOR a linear function of `start` that depends only on the data's
length, so each piece keeps that function's value on each of the 32 bits.
"""

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time, unknown OS
_LAST_BLOCK = zlib.compressobj(6, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # an empty final block
_STORED_BLOCK_MAX = 0xFFFF


@dataclass(frozen=True)
class Piece:
    deflated: bytes
    crc: int  # zlib.crc32(data, 0)
    length: int
    crc_shift: tuple[int, ...]  # for each bit i: crc32(data, 1 << i) ^ crc32(data, 0)


def accepted_by(request) -> bool:
    """Whether the client takes a gzip body (every browser says so): gzip, or else `*`, at a weight above 0."""
    header = request.headers.get("Accept-Encoding", "").lower()
    if "gzip" not in header and "*" not in header:
        return False  # the common answers, without parsing
    weights = {}
    for offer in header.split(","):
        coding, _, parameters = offer.partition(";")
        weights[coding.strip()] = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                weights[coding.strip()] = _weight(value)
    return weights.get("gzip", weights.get("*", 0.0)) > 0


def _weight(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0  # a weight no one can read accepts nothing


def compress(data: bytes) -> Piece:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    deflated = compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)
    zeros = bytes(len(data))  # the shift depends on the length only, not on the bytes
    at_zero = zlib.crc32(zeros, 0)
    return Piece(deflated, zlib.crc32(data, 0), len(data), tuple(zlib.crc32(zeros, 1 << bit) ^ at_zero for bit in range(32)))


def assemble(parts: Iterable[Piece | bytes]) -> bytes:
    """A gzip member whose content is the parts' bytes in order: Pieces as compressed, bytes as they are."""
    body, crc, size = [_HEADER], 0, 0
    for part in parts:
        if isinstance(part, Piece):
            body.append(part.deflated)
            crc, size = _crc_after(crc, part), size + part.length
        else:
            body.extend(_stored_blocks(part))
            crc, size = zlib.crc32(part, crc), size + len(part)
    body += [_LAST_BLOCK, struct.pack("<II", crc, size & 0xFFFFFFFF)]
    return b"".join(body)


def _crc_after(crc: int, piece: Piece) -> int:
    """zlib.crc32(the piece's bytes, crc), from what the piece keeps."""
    combined, bit = piece.crc, 0
    while crc:
        if crc & 1:
            combined ^= piece.crc_shift[bit]
        crc, bit = crc >> 1, bit + 1
    return combined


def _stored_blocks(data: bytes) -> list[bytes]:
    blocks = []
    for start in range(0, len(data), _STORED_BLOCK_MAX):
        block = data[start : start + _STORED_BLOCK_MAX]
        blocks += [b"\x00", struct.pack("<HH", len(block), len(block) ^ 0xFFFF), block]
    return blocks
