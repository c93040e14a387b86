"""Apple's artwork rules on image bytes (STANDARDS 2): format, extension, size, square, colour."""

from __future__ import annotations

import io
from collections.abc import Iterator

from PIL import Image

from media_pub.checks.finding import Severity
from media_pub.checks.tables import ART_BYTES_ERROR, ART_BYTES_WARNING, ART_MAX, ART_MIN


def artwork_problems(data: bytes, ext: str) -> Iterator[tuple[str, Severity, str, str]]:
    """Apple's artwork rules on the image bytes: (rule, severity, message, fix) per problem."""
    if len(data) > ART_BYTES_ERROR:
        yield ("apple.artwork.bytes", Severity.ERROR, f"{len(data) / 1e6:.1f} MB",
               "compress it to 512 KB or less (JPEG quality 85 at 3000 px is usually enough)")
    elif len(data) > ART_BYTES_WARNING:
        yield ("apple.artwork.bytes", Severity.WARNING, (f"{len(data) // 1024} KB; Spotify and NPR One ask "
               "for about 512 KB"), "compress it to 512 KB or less")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            kind, (width, height), mode = image.format, image.size, image.mode
            alpha = "transparency" in image.info
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as error:
        yield ("apple.artwork.format", Severity.ERROR, f"not a readable image ({error})",
               "export the artwork as a JPEG or PNG")
        return
    if kind not in ("JPEG", "PNG"):
        yield ("apple.artwork.format", Severity.ERROR, f"{kind} image; Apple takes JPEG or PNG",
               "export it as JPEG or PNG")
        return
    if ext not in ({".jpg", ".jpeg"} if kind == "JPEG" else {".png"}):
        yield ("apple.artwork.extension", Severity.ERROR, f"a {kind} file named {ext or 'without extension'}",
               f"name it .{'jpg' if kind == 'JPEG' else 'png'} (and change the URL with it)")
    if width != height:
        yield ("apple.artwork.square", Severity.ERROR, f"{width}x{height} is not square",
               "crop it to a square")
    if not (ART_MIN <= width <= ART_MAX and ART_MIN <= height <= ART_MAX):
        yield ("apple.artwork.size", Severity.ERROR, f"{width}x{height}; Apple takes {ART_MIN} to {ART_MAX} px",
               f"export it at {ART_MAX}x{ART_MAX}")
    if mode != "RGB" or alpha:
        what = {"CMYK": "CMYK", "P": "a palette image", "RGBA": "RGB with an alpha channel",
                "LA": "greyscale with alpha", "L": "greyscale", "1": "black-and-white"}.get(mode, mode)
        if mode == "RGB":
            what = "RGB with transparency"
        yield ("apple.artwork.colorspace", Severity.ERROR, f"{what}; Apple takes RGB",
               "convert it to RGB without transparency")
