"""Transcripts in every timed format: read WebVTT, SubRip or Podcasting 2.0 JSON, write all three.

Apps differ in what they take (Apple ingests VTT, some Android apps only SRT, the
namespace's own players JSON), so from any one timed source the build delivers the three
(SPEC 5.4), keeping speakers: VTT ``<v Name>`` <-> JSON ``speaker`` <-> an SRT card that
starts ``Name:`` when the speaker changes (the namespace's SRT profile). ffmpeg's
converter drops the ``<v>`` names, hence this module (STANDARDS 9.4). Times are kept to
the millisecond. JSON word-level segments are grouped into caption cues; sentence-level
segments stay one cue each, so a JSON -> VTT -> JSON round trip keeps them. HTML
transcripts are sanitised with the show-notes sanitiser, allowing the namespace's
``<cite>``, ``<time>`` and ``<p>``.
"""

from __future__ import annotations

import html
import io
import json
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import webvtt

from media_pub.outputs.notes import sanitise_html

TIMED = (".vtt", ".srt", ".json")
#: Bump when a reader or writer changes what it makes, so earlier cached deliveries are not reused.
RECIPE = "1"
LINE = 42                 # characters per caption line (Netflix; STANDARDS 9.4)
MAX_CUE_CHARS = 2 * LINE  # when grouping word-level JSON segments into cues
MAX_CUE_SECONDS = 7.0
MAX_GAP_SECONDS = 1.0
HTML_TAGS = {"p", "cite", "time", "br", "em", "strong", "b", "i"}
HTML_ATTRIBUTES = {"time": {"datetime"}}
# "Name:" opening an SRT card: one to four capitalised words (the SRT profile's speaker form).
_SRT_SPEAKER = re.compile(r"^((?:[A-Z][\w.'’-]*)(?: [A-Z][\w.'’-]*){0,3}): (.+)$", re.DOTALL)


class TranscriptError(ValueError):
    """The transcript cannot be read as its extension says."""


@dataclass(frozen=True)
class Cue:
    start: float          # seconds
    end: float            # seconds, > start
    text: str             # plain text, one line
    speaker: str | None = None


def read(data: bytes, suffix: str) -> tuple[Cue, ...]:
    """Cues from a ``.vtt``, ``.srt`` or ``.json`` transcript; TranscriptError when malformed."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TranscriptError(f"not UTF-8 text ({error.reason} at byte {error.start})") from None
    if suffix == ".json":
        cues = _read_json(text)
    else:
        cues = _read_captions(text, srt=suffix == ".srt")
    if not cues:
        raise TranscriptError("it has no cues with text")
    return cues


def _read_captions(text: str, srt: bool) -> tuple[Cue, ...]:
    try:
        captions = webvtt.from_buffer(io.StringIO(text), format="srt" if srt else "vtt")
    except (webvtt.errors.MalformedFileError, webvtt.errors.MalformedCaptionError, ValueError) as error:
        raise TranscriptError(f"not valid {'SubRip' if srt else 'WebVTT'} ({error})") from None
    cues: list[Cue] = []
    speaker: str | None = None
    for caption in captions.captions:
        body = " ".join(caption.text.split())
        if not srt:
            body, speaker = html.unescape(body), caption.voice
        else:
            named = _SRT_SPEAKER.match(body)
            if named:
                speaker, body = named.group(1), named.group(2)
        start, end = caption.start_time.in_milliseconds() / 1000, caption.end_time.in_milliseconds() / 1000
        if end <= start:
            raise TranscriptError(f"the cue at {caption.start} ends before it starts")
        if body.strip():
            cues.append(Cue(start, end, body.strip(), speaker))
    return tuple(cues)


def _read_json(text: str) -> tuple[Cue, ...]:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise TranscriptError(f"not valid JSON ({error})") from None
    segments = document.get("segments") if isinstance(document, dict) else None
    if not isinstance(segments, list):
        raise TranscriptError('not a Podcasting 2.0 transcript: no "segments" list')
    raw: list[tuple[float, float | None, str, str | None]] = []
    for index, segment in enumerate(segments):
        if not isinstance(segment, dict):
            raise TranscriptError(f"segments[{index}] is not an object")
        start, end, body = segment.get("startTime"), segment.get("endTime"), segment.get("body")
        speaker = segment.get("speaker")
        if (not isinstance(start, (int, float)) or not _number(start) or (end is not None and not _number(end))
                or not isinstance(body, str)):
            raise TranscriptError(f"segments[{index}] needs a numeric startTime and a text body")
        if speaker is not None and not isinstance(speaker, str):
            raise TranscriptError(f"segments[{index}].speaker is not text")
        if body.strip():
            raw.append((float(start), float(end) if end is not None else None, " ".join(body.split()),
                        speaker or None))
    return _group(raw)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _group(raw: Sequence[tuple[float, float | None, str, str | None]]) -> tuple[Cue, ...]:
    """One cue per segment; single-word segments (word timings) are joined into cues."""
    cues: list[Cue] = []
    for index, (start, end, body, speaker) in enumerate(raw):
        following = raw[index + 1][0] if index + 1 < len(raw) else start + 2.0
        end = end if end is not None and end > start else max(following, start + 0.5)
        last = cues[-1] if cues else None
        if (last and " " not in body and " " not in last.text.rsplit(" ", 1)[-1] and _words(raw, index)
                and last.speaker == speaker and start - last.end <= MAX_GAP_SECONDS
                and end - last.start <= MAX_CUE_SECONDS and len(last.text) + 1 + len(body) <= MAX_CUE_CHARS):
            cues[-1] = Cue(last.start, end, f"{last.text} {body}", speaker)
        else:
            cues.append(Cue(start, end, body, speaker))
    return tuple(cues)


def _words(raw: Sequence[tuple[float, float | None, str, str | None]], index: int) -> bool:
    """Whether this segment and the one before are single words (word-level timing)."""
    return index > 0 and " " not in raw[index][2] and " " not in raw[index - 1][2]


# --- writers ---------------------------------------------------------------------------

def _clock(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _lines(text: str) -> str:
    return "\n".join(textwrap.wrap(text, LINE, break_long_words=False, break_on_hyphens=False)) or text


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("-->", "--&gt;")


def write_vtt(cues: Sequence[Cue]) -> bytes:
    """WebVTT: one ``<v Name>`` per cue with a speaker; ``&`` and ``<`` escaped."""
    blocks = ["WEBVTT"]
    for cue in cues:
        text = _vtt_escape(_lines(cue.text))
        if cue.speaker:
            text = f"<v {_vtt_escape(cue.speaker).replace('>', '')}>{text}</v>"
        blocks.append(f"{_clock(cue.start, '.')} --> {_clock(cue.end, '.')}\n{text}")
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def write_srt(cues: Sequence[Cue]) -> bytes:
    """SubRip: cards numbered from 1, comma before milliseconds, ``Name:`` when the speaker changes."""
    blocks = []
    speaker: str | None = None
    for number, cue in enumerate(cues, 1):
        text = cue.text.replace("-->", "->")
        if cue.speaker and cue.speaker != speaker:
            text = f"{cue.speaker}: {text}"
        speaker = cue.speaker
        blocks.append(f"{number}\n{_clock(cue.start, ',')} --> {_clock(cue.end, ',')}\n{_lines(text)}")
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def write_json(cues: Sequence[Cue]) -> bytes:
    """Podcasting 2.0 JSON: ``{"version": "1.0.0", "segments": [...]}``, times in seconds."""
    segments = []
    for cue in cues:
        segment: dict[str, object] = {"startTime": round(cue.start, 3), "endTime": round(cue.end, 3),
                                      "body": cue.text}
        if cue.speaker:
            segment = {"speaker": cue.speaker, **segment}
        segments.append(segment)
    return json.dumps({"version": "1.0.0", "segments": segments}, ensure_ascii=False, indent=1).encode("utf-8")


WRITERS = {".vtt": write_vtt, ".srt": write_srt, ".json": write_json}


def deliver(data: bytes, suffix: str) -> dict[str, bytes]:
    """The delivered files of a transcript source, by extension: all three timed formats from
    a timed source, the sanitised page from HTML, a plain text file as it is."""
    if suffix in TIMED:
        cues = read(data, suffix)
        return {ext: write(cues) for ext, write in WRITERS.items()}
    if suffix in (".html", ".htm"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise TranscriptError(f"not UTF-8 text ({error.reason})") from None
        return {".html": sanitise_html(text, HTML_TAGS, HTML_ATTRIBUTES).encode("utf-8")}
    return {suffix: data}
