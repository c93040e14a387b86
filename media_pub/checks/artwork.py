"""Apple's artwork rules on image bytes (STANDARDS 2): format, extension, size, square, colour."""

from __future__ import annotations

from collections.abc import Iterator

from media_pub.checks.finding import Severity
from media_pub.checks.tables import ART_BYTES_ERROR, ART_BYTES_WARNING
from media_pub.errors import MediaError
from media_pub.media import images
from media_pub.media.images import ART_MAX, ART_MIN


def artwork_problems(data: bytes, ext: str, *, show: bool = False) -> Iterator[tuple[str, Severity, str, str]]:
    """Apple's artwork rules on the image bytes: (rule, severity, message, fix) per problem.

    ``show``: the channel's artwork, which directories list; it is also held to Apple's
    recommended 3000 px (a warning).
    """
    if len(data) > ART_BYTES_ERROR:
        yield ("apple.artwork.bytes", Severity.ERROR, f"{len(data) / 1e6:.1f} MB",
               "compress it to 512 KB or less (JPEG quality 85 at 3000 px is usually enough)")
    elif len(data) > ART_BYTES_WARNING:
        yield ("apple.artwork.bytes", Severity.WARNING, (f"{len(data) // 1024} KB; Spotify and NPR One ask "
               "for about 512 KB"), "compress it to 512 KB or less")
    try:
        facts = images.inspect(data)
    except MediaError as error:
        yield ("apple.artwork.format", Severity.ERROR, error.message, "export the artwork as a JPEG or PNG")
        return
    kind, width, height = facts.format, facts.width, facts.height
    expected = images.expected_extension(facts)
    if expected is None:
        yield ("apple.artwork.format", Severity.ERROR, f"{kind} image; Apple takes JPEG or PNG",
               "export it as JPEG or PNG")
        return
    if ext not in ({".jpg", ".jpeg"} if kind == "JPEG" else {".png"}):
        yield ("apple.artwork.extension", Severity.ERROR, f"a {kind} file named {ext or 'without extension'}",
               f"name it {expected} (and change the URL with it)")
    if not facts.square:
        yield ("apple.artwork.square", Severity.ERROR, f"{width}x{height} is not square",
               "crop it to a square")
    if not (ART_MIN <= width <= ART_MAX and ART_MIN <= height <= ART_MAX):
        yield ("apple.artwork.size", Severity.ERROR, f"{width}x{height}; Apple takes {ART_MIN} to {ART_MAX} px",
               f"export it at {ART_MAX}x{ART_MAX}")
    elif show and width < ART_MAX:
        yield ("directory.artwork.size", Severity.WARNING,
               (f"{width}x{height}; Apple asks for {ART_MAX}x{ART_MAX} and shows smaller art "
                "blurred on large screens (Apple Podcasts artwork requirements)"),
               f"export the show artwork at {ART_MAX}x{ART_MAX}")
    if facts.mode != "RGB" or facts.transparent:
        yield ("apple.artwork.colorspace", Severity.ERROR, f"{facts.colour or facts.mode}; Apple takes RGB",
               "convert it to RGB without transparency")
