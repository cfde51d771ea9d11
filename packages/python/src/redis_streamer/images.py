"""Image helpers. ``jpeg_shape`` reads a JPEG's shape from its header with no dependency;
encoding and decoding need the optional extras numpy and Pillow
(``pip install 'redis-streamer[images]'``, or Debian's python3-numpy and python3-pil)."""

from __future__ import annotations

import io
import json
import re
from typing import Any

__all__ = ["decode_jpeg", "encode_jpeg", "jpeg_shape", "noise_jpeg", "parse_shape"]

# Start-of-frame markers (baseline, progressive, lossless…); C4, C8 and CC are not frames.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
MAX_SIDE = 16384


def jpeg_shape(data: bytes) -> tuple[int, ...]:
    """``(height, width)`` for a greyscale JPEG, ``(height, width, components)`` otherwise, read
    from the frame header; raises ``ValueError`` when ``data`` is not a JPEG."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG (no FF D8 start)")
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise ValueError(f"not a JPEG marker at byte {i}")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in _SOF:
            if i + 10 > len(data):
                break
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            components = data[i + 9]
            return (height, width) if components == 1 else (height, width, components)
        i += 2 + length
    raise ValueError("not a JPEG (no frame header)")


def parse_shape(text: str) -> tuple[int, ...]:
    """``--shape``: ``[700,700,3]`` (RGB), ``[400,200]`` (greyscale), ``700x700x3`` or ``700,700``."""
    try:
        value: Any = json.loads(text)
        dims = [int(d) for d in value] if isinstance(value, list) else None
    except (ValueError, TypeError):
        dims = None
    if dims is None:
        parts = [p for p in re.split(r"[\s,x()\[\]]+", text) if p]
        dims = [int(p) for p in parts] if all(p.isdigit() for p in parts) else []
    if (
        len(dims) not in (2, 3)
        or not all(1 <= d <= MAX_SIDE for d in dims[:2])
        or (len(dims) == 3 and dims[2] != 3)
    ):
        raise ValueError(
            f"shape must be [height, width] (greyscale) or [height, width, 3] (RGB), "
            f"sides 1..{MAX_SIDE}; got {text!r}"
        )
    return tuple(dims)


def _imports() -> tuple[Any, Any]:
    try:
        import numpy
        from PIL import Image
    except ImportError as err:
        raise ImportError(
            "image encoding and decoding need numpy and Pillow: "
            "pip install 'redis-streamer[images]' (Debian: apt install python3-numpy python3-pil)"
        ) from err
    return numpy, Image


def encode_jpeg(array: Any, quality: int = 80) -> bytes:
    """A JPEG of a numpy ``uint8`` array shaped ``(h, w)`` or ``(h, w, 3)``."""
    _, image = _imports()
    out = io.BytesIO()
    image.fromarray(array).save(out, format="JPEG", quality=quality)
    return out.getvalue()


def decode_jpeg(data: bytes) -> Any:
    """A JPEG (or any image Pillow reads) as a numpy array, ``(h, w)`` or ``(h, w, 3)``."""
    numpy, image = _imports()
    with image.open(io.BytesIO(data)) as img:
        return numpy.asarray(img)


def noise_jpeg(shape: tuple[int, ...], quality: int = 80) -> bytes:
    """A JPEG of uniform random noise: RGB for ``(h, w, 3)``, greyscale for ``(h, w)``."""
    numpy, _ = _imports()
    pixels = numpy.random.default_rng().integers(0, 256, size=shape, dtype=numpy.uint8)
    return encode_jpeg(pixels, quality)
