"""Write an episode's metadata into its delivered file: ID3v2.3 for MP3, MP4 atoms for M4A/MP4.

MP3 gets TIT2/TPE1/TALB/TYER(+TDAT)/COMM/TCON/APIC and CHAP+CTOC chapters (ID3v2.3 is read
by the widest range of players, STANDARDS 4). MP4 gets the iTunes-style atoms, ``covr``
artwork, and chapters (a QuickTime chapter track plus Nero ``chpl``), which mutagen cannot
write, so they are muxed in by ffmpeg from an ffmetadata file, without re-encoding.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mutagen import MutagenError
from mutagen._tags import PaddingInfo
from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TIT2, CTOCFlags, Encoding, Frames, PictureType
from mutagen.mp4 import MP4, MP4Cover

from media_pub.media import ffmpeg
from media_pub.errors import EncodeError, MediaError
from media_pub.model import Chapter, DeliveryFormat


@dataclass(frozen=True)
class TagField:
    """One text tag as each container spells it (mediafile's ``MediaField`` idea): probe.py
    reads through this table and :func:`write_tags` writes through it, so they agree."""

    name: str      # ours: a key of MediaInfo.tags and a DeliveryTags field
    id3: str       # ID3v2 frame (MP3)
    mp4: str       # iTunes-style atom (M4A, MP4)
    vorbis: str    # Vorbis comment (FLAC, Ogg sources; read only)


TAGS: tuple[TagField, ...] = (
    TagField("title", "TIT2", "\xa9nam", "title"),
    TagField("artist", "TPE1", "\xa9ART", "artist"),
    TagField("album", "TALB", "\xa9alb", "album"),
    TagField("date", "TDRC", "\xa9day", "date"),      # ID3v2.3 saves TDRC as TYER + TDAT
    TagField("comment", "COMM", "\xa9cmt", "comment"),
    TagField("genre", "TCON", "\xa9gen", "genre"),
)
_DATE_FORMATS = {"id3": "%Y-%m-%dT%H:%M", "mp4": "%Y-%m-%dT%H:%M:%SZ"}


def _values(tags: DeliveryTags, container: str) -> list[tuple[TagField, str]]:
    """The table's fields that ``tags`` sets, as the text ``container`` stores."""
    out = []
    for field in TAGS:
        value = getattr(tags, field.name)
        if isinstance(value, datetime):
            value = value.strftime(_DATE_FORMATS[container])
        if value:
            out.append((field, str(value)))
    return out


@dataclass(frozen=True)
class DeliveryTags:
    """Metadata written into the delivered file (ID3v2 for MP3, MP4 atoms for M4A/MP4)."""

    title: str
    artist: str = ""
    album: str = ""
    date: datetime | None = None
    comment: str = ""
    artwork: Path | None = None
    chapters: tuple[Chapter, ...] = ()
    genre: str = "Podcast"


def chapter_spans(chapters: Sequence[Chapter], duration: float,
                  offset: float = 0.0) -> list[tuple[float, float, str]]:
    """(start, end, title) in seconds, shifted by ``offset``; an open end runs to the next start."""
    ordered = sorted(chapters, key=lambda c: c.start)
    spans = []
    for n, chapter in enumerate(ordered):
        start = min(duration, chapter.start + offset)
        following = ordered[n + 1].start + offset if n + 1 < len(ordered) else duration
        end = min(duration, chapter.end + offset if chapter.end is not None else following)
        spans.append((start, max(start, end), chapter.title))
    return spans


def _ffmetadata_escape(text: str) -> str:
    for char in ("\\", "=", ";", "#", "\n"):
        text = text.replace(char, "\\" + char)
    return text


def ffmetadata(spans: Sequence[tuple[float, float, str]]) -> str:
    """An ffmetadata document holding the chapters (times in milliseconds)."""
    lines = [";FFMETADATA1"]
    for start, end, title in spans:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={round(start * 1000)}",
                  f"END={round(end * 1000)}", f"title={_ffmetadata_escape(title)}"]
    return "\n".join(lines) + "\n"


def _picture(path: Path) -> tuple[bytes, str]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MediaError(f"cannot read artwork: {error.strerror}", file=path, field="artwork") from error
    if data[:3] == b"\xff\xd8\xff":
        return data, "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return data, "image/png"
    raise MediaError("artwork is neither JPEG nor PNG", file=path, field="artwork")


#: Delivered files are padded to a multiple of this many bytes. A retag (a show renamed, a
#: typo fixed) then keeps the file's size: a feed written before it still gives the right
#: enclosure length, and players never see a file at a known URL get shorter.
SIZE_QUANTUM = 4096


def _save_quantised(path: Path, save: Callable[[Callable[[PaddingInfo], int]], None]) -> None:
    """Save with the least padding, then again with padding that rounds the file size up."""
    save(lambda info: 0)
    extra = -path.stat().st_size % SIZE_QUANTUM
    if extra:
        save(lambda info: max(0, info.padding) + extra)


def _write_id3(path: Path, tags: DeliveryTags, spans: Sequence[tuple[float, float, str]]) -> None:
    id3 = ID3()
    text = Encoding.UTF16
    for field, value in _values(tags, "id3"):
        if field.id3 == "COMM":
            id3.add(COMM(encoding=text, lang="eng", desc="", text=value))
        else:
            id3.add(Frames[field.id3](encoding=text, text=value))
    if tags.artwork:
        data, mime = _picture(tags.artwork)
        id3.add(APIC(encoding=Encoding.LATIN1, mime=mime, type=PictureType.COVER_FRONT,
                     desc="Cover", data=data))
    ids = []
    for n, (start, end, title) in enumerate(spans):
        element = f"chp{n}"
        ids.append(element)
        id3.add(CHAP(element_id=element, start_time=round(start * 1000), end_time=round(end * 1000),
                     start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF,
                     sub_frames=[TIT2(encoding=text, text=title)]))
    if ids:
        id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                     child_element_ids=ids, sub_frames=[TIT2(encoding=text, text="Chapters")]))
    _save_quantised(path, lambda padding: id3.save(path, v2_version=3, padding=padding))


def _mux_chapters(path: Path, spans: Sequence[tuple[float, float, str]], video: bool) -> None:
    """Rewrite an MP4 with chapters (stream copy, moov kept at the front)."""
    fd, meta_name = tempfile.mkstemp(suffix=".ffmeta", dir=path.parent)
    muxed = path.with_name(path.name + ".chapters" + path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(ffmetadata(spans))
        maps = ["-map", "0:v:0"] if video else []
        ffmpeg.run(["-i", str(path), "-f", "ffmetadata", "-i", meta_name, *maps, "-map", "0:a:0",
                    "-c", "copy", "-map_metadata", "1", "-map_chapters", "1",
                    "-movflags", "+faststart", "-f", "mp4", "-y", str(muxed)], file=path)
        os.replace(muxed, path)
    finally:
        os.unlink(meta_name)
        if muxed.exists():
            muxed.unlink()


def _write_mp4(path: Path, tags: DeliveryTags) -> None:
    mp4 = MP4(path)
    if mp4.tags is None:
        mp4.add_tags()
    for field, value in _values(tags, "mp4"):
        mp4.tags[field.mp4] = [value]
    if tags.artwork:
        data, mime = _picture(tags.artwork)
        kind = MP4Cover.FORMAT_JPEG if mime == "image/jpeg" else MP4Cover.FORMAT_PNG
        mp4.tags["covr"] = [MP4Cover(data, imageformat=kind)]
    _save_quantised(path, lambda padding: mp4.save(padding=padding))


def write_tags(path: Path, format: DeliveryFormat, tags: DeliveryTags, *, duration: float,
               chapter_offset: float = 0.0) -> None:
    """Write ``tags`` into the delivered file at ``path`` (in place).

    ``chapter_offset`` shifts chapter times, e.g. by the length of a stitched-in intro.

    Example: ``write_tags(Path("ep.mp3"), DeliveryFormat.MP3, DeliveryTags("Episode 1"), duration=60.0)``
    """
    spans = chapter_spans(tags.chapters, duration, chapter_offset)
    try:
        if format is DeliveryFormat.MP3:
            _write_id3(path, tags, spans)
        else:
            if spans:
                _mux_chapters(path, spans, video=format is DeliveryFormat.MP4)
            _write_mp4(path, tags)
    except (MutagenError, OSError) as error:
        raise EncodeError(f"cannot write tags: {error}", file=path) from error
