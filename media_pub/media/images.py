"""Artwork: the only module that imports Pillow. Inspect images, deliver them, make renditions.

Artwork is delivered like media (SPEC 5.2): decoded, made RGB (CMYK through its ICC
profile when it has one, palette and alpha flattened onto white), centre-cropped square,
scaled into Apple's 1400-3000 px, and saved as JPEG: at the highest quality from 95 down
to 70 that fits 512 KB, or at 70 with a warning when none does. An opaque PNG stays a PNG
(lossless art, such as a logo, keeps its edges). Smaller renditions (``RENDITIONS``)
let a player page show 96 px without loading 3000.

Results are cached by the sha256 of the source bytes and the recipe, under the project's
state folder, like encodes. Sources are only read. Pillow's own decompression-bomb limit
is far above SPEC's 50 megapixels, so the limit is checked here on the header, before
any pixel is decoded (STANDARDS 9.2).
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from media_pub.errors import MediaError
from media_pub.fsutil import write_atomic

MAX_PIXELS = 50_000_000            # SPEC 5.1: larger images are refused
ART_MIN, ART_MAX = 1400, 3000      # Apple: square, 1400-3000 px on a side
MAX_BYTES = 512 * 1024             # PRX/Spotify: about 512 KB
MIN_QUALITY, MAX_QUALITY = 70, 95  # SPEC 5.2: 70 or more; Pillow: avoid above 95
RENDITIONS = (96, 192, 400)        # player thumbnails, px (1x and 2x of 48/96/200 px slots), same format
RENDITION_QUALITY = 85             # Lighthouse's reference quality
RECIPE = 3                         # bump when the delivered bytes change for the same source
FORMATS = {"JPEG": ".jpg", "PNG": ".png"}   # what Apple takes, and the extension each must have
_BACKGROUND = (255, 255, 255)

# Pillow's checks run at its own (higher) limit; ours is explicit in inspect().
Image.MAX_IMAGE_PIXELS = None


@dataclass(frozen=True)
class ImageFacts:
    """What an image is, from its header and (for transparency) its pixels."""

    format: str          # Pillow's name: JPEG, PNG, GIF, WEBP...
    width: int
    height: int
    mode: str            # RGB, CMYK, P, RGBA, L...
    transparent: bool    # has pixels that are not fully opaque

    @property
    def square(self) -> bool:
        return self.width == self.height

    @property
    def colour(self) -> str:
        """The colour model in a volunteer's words, or "" for plain RGB."""
        if self.mode == "RGB" and not self.transparent:
            return ""
        if self.transparent:
            return "transparency"
        return {"CMYK": "CMYK colour", "P": "a palette", "L": "greyscale", "1": "black and white",
                "I;16": "16-bit greyscale", "YCbCr": "YCbCr colour"}.get(self.mode, self.mode)


@dataclass(frozen=True)
class DeliveredImage:
    """An image as delivered: the cached file, its extension, size, and what delivery changed."""

    path: Path
    extension: str                       # .jpg or .png
    size: int                            # pixels on a side
    renditions: dict[int, Path]          # px -> cached smaller copy, in the same format
    changes: tuple[str, ...] = ()        # "scaled 600 px up to 1400 px", "centre-cropped"...
    warnings: tuple[str, ...] = ()       # what a volunteer should still fix at the source
    sha256: str = ""                     # of the delivered bytes (feeds version their URLs with it)


def _open(data: bytes, what: Path | str) -> Image.Image:
    """Open (header only) and refuse bombs; every Pillow failure becomes one MediaError."""
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise MediaError(f"not a readable image ({_reason(error)}); export it as JPEG or PNG",
                         Path(what)) from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        image.close()
        raise MediaError(f"the image is {width}x{height} ({width * height / 1e6:.0f} megapixels), over "
                         f"the {MAX_PIXELS // 1_000_000} megapixel limit; export it at {ART_MAX}x{ART_MAX}",
                         Path(what))
    return image


def _reason(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text.replace(" '<_io.BytesIO object>'", "").replace("cannot identify image file", "unknown format")


def _load(image: Image.Image, what: Path | str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image.load()
    except (OSError, ValueError, SyntaxError) as error:
        raise MediaError(f"the image is damaged ({_reason(error)})", Path(what)) from None
    return image


def _transparent(image: Image.Image) -> bool:
    if not image.has_transparency_data:
        return False
    rgba = image.convert("RGBA") if image.mode != "RGBA" else image
    extrema = rgba.getchannel("A").getextrema()
    return isinstance(extrema[0], (int, float)) and extrema[0] < 255


def inspect(data: bytes, what: Path | str = "image") -> ImageFacts:
    """Format, size, mode and transparency of image bytes; MediaError when unreadable or too big."""
    with _open(data, what) as image:
        kind, (width, height), mode = image.format or "unknown", image.size, image.mode
        # Pixels are decoded only when the header allows transparency (to see whether any
        # pixel uses it): the loader inspects every image on every build.
        transparent = _transparent(_load(image, what)) if image.has_transparency_data else False
        return ImageFacts(kind, width, height, mode, transparent)


def inspect_file(path: Path) -> ImageFacts:
    return inspect(_read(path), path)


def size_of(path: Path) -> tuple[int, int] | None:
    """Width and height of an image file from its header, or None when it is not one."""
    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError):
        return None


def extension_for(facts: ImageFacts) -> str:
    """The one rule for "JPEG or PNG?": PNG only for an opaque PNG source, else JPEG."""
    return ".png" if facts.format == "PNG" and not facts.transparent else ".jpg"


def expected_extension(facts: ImageFacts) -> str | None:
    """The extension a file of this format must have for Apple, or None if Apple takes no such format."""
    return FORMATS.get(facts.format)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise MediaError(f"cannot read: {error.strerror or error}", path) from None


def _rgb(image: Image.Image, what: Path | str, changes: list[str], notes: list[str]) -> Image.Image:
    """Opaque sRGB: CMYK through its ICC profile, alpha and palettes flattened onto white."""
    image = ImageOps.exif_transpose(image) or image
    if image.mode == "CMYK":
        icc = image.info.get("icc_profile")
        changes.append("converted from CMYK to RGB")
        if icc:
            try:
                converted = ImageCms.profileToProfile(image, io.BytesIO(icc), ImageCms.createProfile("sRGB"),
                                                      outputMode="RGB")
                if converted is not None:
                    return converted
            except (ImageCms.PyCMSError, OSError, ValueError):
                notes.append("its CMYK colour profile is unreadable, so colours may shift")
        return image.convert("RGB")
    if image.mode in ("P", "PA", "LA", "L", "1", "I", "I;16", "F") or image.has_transparency_data:
        if _transparent(image):
            changes.append("transparency flattened onto white")
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, _BACKGROUND)
            flat.paste(rgba, mask=rgba.getchannel("A"))
            return flat
        if image.mode == "P":
            changes.append("palette converted to RGB")
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


def _square(image: Image.Image, changes: list[str]) -> Image.Image:
    width, height = image.size
    if width == height:
        return image
    side = min(width, height)
    changes.append(f"centre-cropped from {width}x{height} to {side}x{side}")
    left, top = (width - side) // 2, (height - side) // 2
    return image.crop((left, top, left + side, top + side))


def _jpeg(image: Image.Image, quality: int, *, final: bool = True) -> bytes:
    """JPEG bytes; ``final`` adds the optimised Huffman tables and progressive scan (a few
    per cent smaller, several times slower: used once, after the quality is chosen)."""
    buffer = io.BytesIO()
    if final:
        image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True, dpi=(72, 72))
    else:
        image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _fit_jpeg(image: Image.Image) -> tuple[bytes, int]:
    """The highest quality in 70-95 whose JPEG fits MAX_BYTES, else 70.

    The search runs on plain encodes (the final optimised one is never larger): 95 first
    (most artwork fits), then 70 (a photo that does not fit even there needs no search),
    then a binary search between: at most 7 encodes, one of them optimised.
    """
    def fits(quality: int) -> bool:
        return len(_jpeg(image, quality, final=False)) <= MAX_BYTES

    if fits(MAX_QUALITY):
        quality = MAX_QUALITY
    elif not fits(MIN_QUALITY):
        quality = MIN_QUALITY
    else:
        low, high = MIN_QUALITY, MAX_QUALITY - 1     # fits(low), and the best is <= high
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if fits(middle) else (low, middle - 1)
        quality = low
    return _jpeg(image, quality), quality


def deliver_image(data: bytes, what: Path | str, cache_dir: Path, *, show_artwork: bool,
                  renditions: Sequence[int] = RENDITIONS) -> DeliveredImage:
    """Deliver image bytes into ``cache_dir`` (content-addressed); reuse an earlier result.

    ``show_artwork``: under 1400 px is left at its size, for ``validate`` to report as an
    error (a show's art is what directories list, and scaling it up would hide that it is
    too small); an episode image is scaled up to 1400 px with a warning instead.
    """
    digest = hashlib.sha256(data + f"|recipe={RECIPE}|show={show_artwork}|{list(renditions)}".encode()).hexdigest()
    folder = cache_dir / digest[:2] / digest
    record = folder / "image.json"
    cached = _cached(folder, record)
    if cached is not None:
        return cached
    facts = inspect(data, what)
    if facts.format not in FORMATS:
        raise MediaError(f"a {facts.format} image; export it as JPEG or PNG", Path(what))
    side = min(facts.width, facts.height)
    changes: list[str] = []
    notes: list[str] = []
    with _open(data, what) as opened:
        if _compliant(opened, facts, len(data)):
            # Already what Apple asks for: delivered byte for byte (no second JPEG generation).
            return _store(folder, record, data, _load(opened, what), extension_for(facts), renditions, [], [])
        image = _rgb(_load(opened, what), what, changes, notes)
    image = _square(image, changes)
    target = min(max(image.width, ART_MIN), ART_MAX)
    if show_artwork and image.width < ART_MIN:
        target = image.width   # left as it is: validate reports it as an error with the fix
    if target != image.width:
        changes.append(f"scaled from {image.width} px {'up' if target > image.width else 'down'} to {target} px")
        if target > image.width:
            notes.append(f"it is {side} px; scaling up blurs it: export it at {ART_MIN} px or more")
        image = image.resize((target, target), Image.Resampling.LANCZOS, reducing_gap=3.0)
    extension = extension_for(facts)
    if extension == ".png":
        buffer = io.BytesIO()
        image.save(buffer, "PNG", optimize=True, dpi=(72, 72))
        encoded = buffer.getvalue()
    else:
        encoded, quality = _fit_jpeg(image)
        if len(encoded) > MAX_BYTES:
            notes.append(f"{len(encoded) // 1024} KB even at JPEG quality {quality}; directories ask for "
                         f"{MAX_BYTES // 1024} KB: simplify the image")
    if extension == ".jpg" and facts.format == "PNG":
        changes.append("saved as JPEG")
    return _store(folder, record, encoded, image, extension, renditions, changes, notes)


def _compliant(image: Image.Image, facts: ImageFacts, size: int) -> bool:
    """True when the source already meets SPEC 5.2 and needs no re-encoding."""
    orientation = image.getexif().get(0x0112, 1)
    return (facts.format in FORMATS and facts.mode == "RGB" and not facts.transparent and facts.square
            and ART_MIN <= facts.width <= ART_MAX and size <= MAX_BYTES and orientation == 1
            and extension_for(facts) == FORMATS[facts.format])


def _store(folder: Path, record: Path, encoded: bytes, image: Image.Image, extension: str,
           renditions: Sequence[int], changes: list[str], notes: list[str]) -> DeliveredImage:
    """Write the delivered image, its renditions and the record that makes it a cache hit."""
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / f"image{extension}", encoded)
    side = image.width
    if image.mode != "RGB":
        image = image.convert("RGB")
    small: dict[int, Path] = {}
    for px in sorted(renditions, reverse=True):   # each from the next larger: fast, and as sharp
        image = image.resize((px, px), Image.Resampling.LANCZOS, reducing_gap=3.0)
        buffer = io.BytesIO()
        if extension == ".png":
            image.save(buffer, "PNG", optimize=True)
        else:
            image.save(buffer, "JPEG", quality=RENDITION_QUALITY, optimize=True, progressive=px >= 400)
        small[px] = folder / f"{px}{extension}"
        write_atomic(small[px], buffer.getvalue())
    digest = hashlib.sha256(encoded).hexdigest()
    delivered = DeliveredImage(folder / f"image{extension}", extension, side, small, tuple(changes), tuple(notes),
                               digest)
    write_atomic(record, json.dumps({"extension": extension, "size": delivered.size, "renditions": sorted(small),
                                     "changes": changes, "warnings": notes, "sha256": digest}).encode())
    return delivered



def _cached(folder: Path, record: Path) -> DeliveredImage | None:
    try:
        data = json.loads(record.read_text("utf-8"))
        extension = str(data["extension"])
        small = {int(px): folder / f"{int(px)}{extension}" for px in data["renditions"]}
        result = DeliveredImage(folder / f"image{extension}", extension, int(data["size"]), small,
                                tuple(map(str, data["changes"])), tuple(map(str, data["warnings"])),
                                str(data["sha256"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not result.path.is_file() or not all(p.is_file() for p in small.values()):
        return None
    return result
