"""shortscience.gzip_pieces: a gzip body assembled from pieces compressed apart is one valid gzip stream."""

import gzip
import random
import subprocess
import zlib

import pytest

from shortscience import gzip_pieces

SIZES = [0, 1, 10, 1_000, 70_000, 140_000]  # past one stored block's 65,535 bytes too


@pytest.mark.parametrize("seed", range(40))
def test_compressed_pieces_and_plain_bytes_in_any_order_make_the_gzip_of_their_concatenation(seed):
    rng = random.Random(seed)
    contents, parts = [], []
    for number in range(rng.randint(0, 6)):
        size = rng.choice(SIZES)
        data = rng.randbytes(size) if size < 2_000 else f"<p>card {number}</p>".encode() * (size // 14)
        contents.append(data)
        parts.append(gzip_pieces.compress(data) if rng.random() < 0.5 else data)
    body = gzip_pieces.assemble(parts)
    assert gzip.decompress(body) == b"".join(contents)
    assert subprocess.run(["gzip", "--test"], input=body).returncode == 0  # its own check of CRC and length


@pytest.mark.parametrize("length", [0, 1, 7, 8, 255, 65_535, 65_536, 380_000, 2**20 + 3])
def test_a_pieces_crc_shift_is_what_crc32_over_as_many_zero_bytes_gives(length):
    """The definition, the slow way: the CRC of any bytes of this length moves so from each start bit."""
    zeros = bytes(length)
    at_zero = zlib.crc32(zeros, 0)
    expected = tuple(zlib.crc32(zeros, 1 << bit) ^ at_zero for bit in range(32))
    assert gzip_pieces.compress(random.Random(length).randbytes(length)).crc_shift == expected


def test_a_compressed_piece_is_much_smaller_than_its_bytes():
    page = b"<article class='card'>" + b"typeset math " * 5_000 + b"</article>"
    assert len(gzip_pieces.compress(page).deflated) < len(page) / 20


@pytest.mark.parametrize(
    ("accept_encoding", "accepted"),
    [
        ("gzip, deflate, br", True),  # every browser
        ("GZIP", True),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
        ("*", True),
        ("identity", False),
        ("", False),
        ("gzip;q=0", False),  # refused outright
        ("gzip;q=0.000, deflate", False),
        ("*;q=0", False),
        ("br, *;q=0.5", True),
        ("gzip;q=0, *;q=1", False),  # named beats the wildcard
        ("gzip;q=nonsense", False),
    ],
)
def test_a_client_takes_gzip_when_it_names_it_or_any_coding_at_a_weight_above_zero(rf, accept_encoding, accepted):
    assert gzip_pieces.accepted_by(rf.get("/", HTTP_ACCEPT_ENCODING=accept_encoding)) is accepted
