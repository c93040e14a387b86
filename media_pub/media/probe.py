"""Read what a media file says about itself. The only module that imports mutagen for reading.

``probe(path)`` returns a :class:`MediaInfo`: stream facts, the common tags, chapters and
embedded artwork. Video facts (dimensions, codec) come from the bundled ffmpeg. Results
are cached by (path, size, mtime) in the project's state folder so a rebuild of thousands
of episodes does not reopen every file.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import mutagen
from mutagen.flac import FLAC
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, Atoms
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from media_pub.errors import MediaError
from media_pub.media.tags import TAGS
from media_pub import site
from media_pub.model import Artwork, Chapter, MediaInfo, VideoInfo

PROBE_VERSION = 1

# Which containers each extension may hold: a file whose content disagrees is mislabelled.
EXTENSION_CONTAINERS: dict[str, str] = {
    ".mp3": "mp3", ".m4a": "mp4", ".mp4": "mp4", ".m4v": "mp4", ".mov": "mp4",
    ".wav": "wav", ".flac": "flac", ".ogg": "ogg", ".oga": "ogg", ".opus": "ogg",
}
MEDIA_EXTENSIONS = tuple(EXTENSION_CONTAINERS)
_VIDEO_EXTENSIONS = {".mp4", ".m4v", ".mov"}
_KINDS = [(MP3, "mp3"), (MP4, "mp4"), (WAVE, "wav"), (FLAC, "flac"), (OggOpus, "ogg"), (OggVorbis, "ogg")]

# One table: our tag name -> where each format keeps it (cf. mediafile's MediaField).


def probe(path: Path) -> MediaInfo:
    """Read stream facts, tags, chapters and artwork from a media file.

    Raises MediaError naming the file when it is empty, unreadable, of an unknown
    format, mislabelled (content disagrees with the extension) or has no duration.
    """
    try:
        size = path.stat().st_size
    except OSError as error:
        raise MediaError(f"cannot read: {error.strerror}", path) from None
    if size == 0:
        raise MediaError("the file is empty (0 bytes)", path)
    suffix = path.suffix.lower()
    if suffix not in EXTENSION_CONTAINERS:
        raise MediaError(f"unsupported file type {suffix or '(none)'}; "
                         f"use one of {', '.join(MEDIA_EXTENSIONS)}", path)
    try:
        audio = mutagen.File(path)
    except (mutagen.MutagenError, ValueError, IndexError, KeyError, EOFError) as error:
        raise MediaError(f"not a readable media file ({error})", path) from None
    if audio is None:
        raise MediaError("not a recognised audio or video file", path)
    container = next((name for kind, name in _KINDS if isinstance(audio, kind)), None)
    if container is None:
        raise MediaError(f"unsupported format ({type(audio).__name__})", path)
    expected = EXTENSION_CONTAINERS[suffix]
    if container != expected:
        raise MediaError(f"the content is {container.upper()} but the name ends in {suffix}; "
                         "rename the file to match its content", path)
    info = audio.info
    duration = float(getattr(info, "length", 0.0) or 0.0)
    if not duration > 0:
        raise MediaError("the file holds no audio (duration 0)", path)
    cut = _truncation(path, audio, container, size)
    if cut:
        raise MediaError(f"the file is cut short: {cut}; copy or export it again", path)

    video = _video_facts(path) if suffix in _VIDEO_EXTENSIONS else None
    mime = "video/mp4" if video and suffix == ".mp4" else site.MIME_TYPES[suffix]
    if suffix == ".mp4" and not video:
        mime = "audio/mp4"
    tags, chapters, artwork = _read_tags(audio, container)
    return MediaInfo(
        path=path,
        size=size,
        duration=duration,
        container=container,
        codec=_codec(audio, container),
        channels=int(getattr(info, "channels", 0) or 0),
        sample_rate=int(getattr(info, "sample_rate", 0) or (48000 if container == "ogg" else 0)),
        bitrate=int(getattr(info, "bitrate", 0) or 0),
        mime_type=mime,
        tags=tags,
        chapters=chapters,
        artwork=artwork,
        video=video,
    )


def _truncation(path: Path, audio: Any, container: str, size: int) -> str | None:
    """Why the file ends before its own headers say it should (a cut-off copy), or None.

    MP3: a Xing/Info header gives the frame count, so mutagen's length and bitrate
    promise a byte count; a copy cut short holds far fewer. (Without that header mutagen
    estimates the length from the size, and a cut cannot be seen.) MP4: a top-level box
    whose declared size runs past the end of the file.
    """
    if container == "mp3":
        info = audio.info
        tag_bytes = getattr(audio.tags, "size", 0) or 0
        expected = info.length * info.bitrate / 8
        if info.bitrate and size - tag_bytes < 0.9 * expected:
            return f"its header promises {info.length:.1f} s ({expected:.0f} bytes) but it holds {size - tag_bytes}"
    elif container == "mp4":
        with path.open("rb") as handle:
            atoms = Atoms(handle)
        for atom in atoms.atoms:
            if atom.offset + atom.length > size:
                return (f"its {atom.name.decode('latin-1')} box needs {atom.offset + atom.length} bytes "
                        f"but the file has {size}")
    return None


def _codec(audio: Any, container: str) -> str:
    if container == "mp4":
        codec = getattr(audio.info, "codec", "") or ""
        return "aac" if codec.startswith("mp4a") else codec
    if container == "wav":
        return f"pcm_s{getattr(audio.info, 'bits_per_sample', 16)}le"
    if isinstance(audio, OggOpus):
        return "opus"
    if isinstance(audio, OggVorbis):
        return "vorbis"
    return container  # mp3, flac


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    text = str(value.text[0] if hasattr(value, "text") and value.text else value)
    return text.strip()


def _read_tags(audio: Any, container: str) -> tuple[dict[str, str], tuple[Chapter, ...], Artwork | None]:
    tags: dict[str, str] = {}
    chapters: list[Chapter] = []
    artwork: Artwork | None = None
    raw = audio.tags
    if raw is None:
        return tags, (), None
    if isinstance(raw, ID3):
        for field in TAGS:
            frames = [frame for frame in raw.getall(field.id3) if frame.text]
            if field.id3 == "COMM":   # ffmpeg writes a comment as TXXX:comment; read both
                frames += [t for t in raw.getall("TXXX") if t.desc.lower() in ("comment", "description") and t.text]
            if frames:
                tags[field.name] = str(frames[0].text[0]).strip()
        pictures = raw.getall("APIC")
        if pictures:
            artwork = Artwork(pictures[0].mime or "image/jpeg", len(pictures[0].data))
        for chap in sorted(raw.getall("CHAP"), key=lambda c: c.start_time):
            title_frame = chap.sub_frames.get("TIT2")
            title = str(title_frame.text[0]) if title_frame and title_frame.text else chap.element_id
            end = chap.end_time / 1000 if chap.end_time and chap.end_time != 0xFFFFFFFF else None
            chapters.append(Chapter(start=chap.start_time / 1000, title=title, end=end))
    elif container == "mp4":
        for field in TAGS:
            if field.mp4 in raw and raw[field.mp4]:
                tags[field.name] = str(raw[field.mp4][0]).strip()
        if "covr" in raw and raw["covr"]:
            cover = raw["covr"][0]
            mime = "image/png" if getattr(cover, "imageformat", 13) == 14 else "image/jpeg"
            artwork = Artwork(mime, len(bytes(cover)))
        for chap in getattr(audio, "chapters", None) or []:
            chapters.append(Chapter(start=float(chap.start), title=str(chap.title)))
    else:  # Vorbis comments (FLAC, Ogg)
        for field in TAGS:
            values = raw.get(field.vorbis)
            if values:
                tags[field.name] = str(values[0]).strip()
        pictures = getattr(audio, "pictures", None)
        if pictures:
            artwork = Artwork(pictures[0].mime or "image/jpeg", len(pictures[0].data))
    return {k: v for k, v in tags.items() if v}, tuple(chapters), artwork


def extract_artwork(path: Path) -> tuple[bytes, str] | None:
    """The first embedded picture of a media file, as (bytes, mime type)."""
    try:
        audio = mutagen.File(path)
    except mutagen.MutagenError as error:
        raise MediaError(f"cannot read embedded artwork ({error})", path) from None
    raw = getattr(audio, "tags", None)
    if isinstance(raw, ID3):
        pictures = raw.getall("APIC")
        if pictures:
            return bytes(pictures[0].data), pictures[0].mime or "image/jpeg"
    elif raw is not None and "covr" in raw and raw["covr"]:
        cover = raw["covr"][0]
        return bytes(cover), "image/png" if getattr(cover, "imageformat", 13) == 14 else "image/jpeg"
    pictures = getattr(audio, "pictures", None)
    if pictures:
        return bytes(pictures[0].data), pictures[0].mime or "image/jpeg"
    return None


def _video_facts(path: Path) -> VideoInfo | None:
    """Dimensions and codec of the first video stream, from ``ffmpeg -i``'s report."""
    from media_pub.media import ffmpeg# noqa: PLC0415 (ffmpeg.py owns the binary)

    try:
        return ffmpeg.stream_info(path).video
    except MediaError:
        return None


def media_info_dict(info: MediaInfo) -> dict[str, Any]:
    """MediaInfo as JSON-ready data (for ``probe --json``)."""
    data = asdict(info)
    data["path"] = str(info.path)
    return data
