"""``transcribe``: draft WebVTT transcripts made offline, and chapter suggestions from them.

For each episode without a transcript, the recogniser (media/speech.py) turns the
episode's own media into timed words; the words become caption cues that follow the
readable-caption rules (STANDARDS 9.7: at most 2 lines of 42 characters and 7 s, one
sentence or short phrase each, short cues held into the following gap); the cues are
written as ``episodes/<show>/<ep>.vtt`` beside the sidecar, and ``transcript = "<ep>.vtt"``
is written into the sidecar with its comments kept. The file says in a NOTE that a machine
made it, and no ``<v>`` voice tag is written: the recogniser cannot know who speaks.

Recognition is slow, so its words are cached under ``.media-pub/transcripts/`` by the audio's
content hash, the model, the language and the name hints: a second run, a rebuild with
``[transcripts] auto = true`` or ``--force`` on unchanged audio never recognises again.
Every file is written through a temporary file and a rename, so Ctrl-C leaves either the old
file or the new one, never half of one; an existing transcript is never replaced without
``force``.

Chapter suggestions: long pauses (pydub's silence detection, media/silence.py) that are
followed by a sentence start become chapter starts, titled by the sentence's first words.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import media_pub
from media_pub.deliver import file_digest
from media_pub.errors import ConfigError, FatalError, MediaPubError
from media_pub.fsutil import write_atomic
from media_pub.media import speech
from media_pub.media.speech import Word
from media_pub.model import Chapter, Episode, Settings, Show
from media_pub.progress import Progress
from media_pub.project.load import Project, load_project
from media_pub.project.writeback import chapters_array, write_back

LINE_CHARS = 42          # Netflix English line length (STANDARDS 9.7)
MAX_LINES = 2
MAX_CUE_SECONDS = 7.0
MIN_CUE_SECONDS = 5 / 6  # 20 frames at 24 fps
MIN_SENTENCE_CUE = 1.0   # a sentence end closes a cue once it is this long
PAUSE_SECONDS = 1.0      # a pause this long between words always closes a cue
GAP_SECONDS = 0.08       # kept between a lengthened cue and the next (2 frames at 25 fps)
CACHE_DIR = "transcripts"
MACHINE_NOTE = ("NOTE Draft made by machine (media-pub transcribe, speech recognition "
                "with {model}). Review it against the audio before publishing; "
                "speakers are not marked.")

_SENTENCE_END = re.compile(r"[.!?…][\"')\]]*$")
_CLAUSE_END = re.compile(r"[,;:–—][\"')\]]*$")
# Break before these words rather than after them (Netflix: never split a conjunction or
# preposition from what follows it).
_BREAK_BEFORE = frozenset(
    ["and", "but", "or", "so", "because", "when", "while", "if", "that", "which", "who", "where",
     "although", "though", "than", "to", "of", "in", "on", "at", "for", "with", "from", "by",
     "about", "as", "into", "like", "through", "after", "before"])


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.lines)


# --- cues from words --------------------------------------------------------------------

def _join(words: Sequence[Word]) -> str:
    return " ".join(w.text.strip() for w in words if w.text.strip())


def split_lines(tokens: Sequence[str], chars: int = LINE_CHARS) -> tuple[str, ...]:
    """Lay tokens out as one line, or two lines of at most ``chars``; () if they do not fit.

    Of the two-line layouts, the break after punctuation, or before a conjunction or
    preposition, nearest the middle wins (STANDARDS 9.7).
    """
    text = " ".join(tokens)
    if len(text) <= chars:
        return (text,)
    best: tuple[float, int] | None = None
    for cut in range(1, len(tokens)):
        first, second = " ".join(tokens[:cut]), " ".join(tokens[cut:])
        if len(first) > chars or len(second) > chars:
            continue
        score = abs(len(first) - len(second)) / max(1, len(text))
        if _SENTENCE_END.search(tokens[cut - 1]) or _CLAUSE_END.search(tokens[cut - 1]):
            score -= 1.0
        elif tokens[cut].lower().strip("\"'(") in _BREAK_BEFORE:
            score -= 0.5
        if best is None or score < best[0]:
            best = (score, cut)
    if best is None:
        return ()
    cut = best[1]
    return (" ".join(tokens[:cut]), " ".join(tokens[cut:]))


def build_cues(words: Sequence[Word], duration: float, chars: int = LINE_CHARS) -> list[Cue]:
    """Group timed words into readable caption cues inside ``0..duration``.

    A cue closes when the next word would not fit in 2 lines of ``chars`` or would make it
    longer than 7 s, at a sentence end once it lasts 1 s, and at a pause of 1 s. Cues
    shorter than 5/6 s are held into the following gap, leaving 0.08 s before the next.

    Example: ``build_cues([Word(0.0, 0.4, " Hello."), Word(1.9, 2.3, " Again.")], 3.0)``
    """
    groups: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        if not word.text.strip():
            continue
        if current:
            tokens = _join(current + [word]).split()
            too_long = word.end - current[0].start > MAX_CUE_SECONDS
            paused = word.start - current[-1].end >= PAUSE_SECONDS
            if too_long or paused or not split_lines(tokens, chars):
                groups.append(current)
                current = []
        current.append(word)
        if (_SENTENCE_END.search(word.text.strip())
                and current[-1].end - current[0].start >= MIN_SENTENCE_CUE):
            groups.append(current)
            current = []
    if current:
        groups.append(current)

    cues: list[Cue] = []
    for index, group in enumerate(groups):
        start = max(0.0, min(group[0].start, duration))
        if cues and start < cues[-1].end:
            start = cues[-1].end
        end = min(max(group[-1].end, start + 0.001), duration)
        following = groups[index + 1][0].start if index + 1 < len(groups) else duration
        if end - start < MIN_CUE_SECONDS:
            end = max(end, min(start + MIN_CUE_SECONDS, following - GAP_SECONDS, duration))
        if end <= start:
            continue
        lines = split_lines(_join(group).split(), chars)
        if not lines:   # one word longer than two lines: keep it whole rather than drop it
            lines = (_join(group),)
        cues.append(Cue(round(start, 3), round(end, 3), lines))
    return cues


# --- WebVTT ------------------------------------------------------------------------------

def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("-->", "--&gt;")


def render_vtt(cues: Iterable[Cue], model_name: str) -> bytes:
    """A WebVTT file with a NOTE saying a machine made it; numbered cues, no voice tags."""
    parts = ["WEBVTT", "", MACHINE_NOTE.format(model=model_name.replace("-->", "->")), ""]
    for number, cue in enumerate(cues, 1):
        parts += [str(number), f"{_timestamp(cue.start)} --> {_timestamp(cue.end)}",
                  *(_escape(line) for line in cue.lines), ""]
    return "\n".join(parts).encode("utf-8")


# --- planning and running ------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """What happened to one episode."""

    show: str
    episode: str
    state: str                       # written | cached | skipped | failed
    path: Path | None = None         # the transcript file
    cues: int = 0
    message: str = ""
    error: MediaPubError | None = None


@dataclass
class TranscribeReport:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.state == "failed"]

    @property
    def exit_code(self) -> int:
        return 3 if self.failed else 0


def hints(show: Show, episode: Episode) -> list[str]:
    """Names the recogniser should expect: show title and author, persons, and the names
    in the episode title (its capitalised words after the first).

    Whole titles are not given: measured on the samples, a title that is also the
    episode's first sentence ("What do we mean by restorative justice?") made tiny.en skip
    that sentence as already said, and sentence-like hints made it drop punctuation.
    """
    title_names = re.findall(r"(?<=\s)[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*", episode.title)
    names = [show.title, show.author, *(p.name for p in show.persons),
             *(p.name for p in episode.persons), *title_names]
    return list(dict.fromkeys(n.strip() for n in names if n and n.strip()))


def model_for(show: Show, override: Path | None) -> Path:
    """``--model DIR``, else the show's ``[transcripts] model``, else the bundled model."""
    if override is not None:
        return speech.check_model(override, None, "--model")
    if show.transcripts.model is not None:
        return speech.check_model(show.transcripts.model, show.path, "transcripts.model")
    return speech.default_model()


def language_for(show: Show) -> str:
    return show.transcripts.language or show.language.split("-")[0].lower()


class WordCache:
    """Recognised words, one JSON file per (audio hash, model, language, hints)."""

    def __init__(self, folder: Path):
        self.folder = folder

    @staticmethod
    def key(audio_digest: str, model: str, language: str, names: Sequence[str]) -> str:
        material = json.dumps([audio_digest, model, language, list(names), media_pub.__version__])
        return hashlib.sha256(material.encode()).hexdigest()

    def get(self, key: str) -> speech.Recognised | None:
        try:
            data = json.loads((self.folder / f"{key}.json").read_text("utf-8"))
            return speech.Recognised(tuple(Word(*w) for w in data["words"]),
                                     float(data["duration"]), str(data["language"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, recognised: speech.Recognised) -> None:
        data = {"duration": recognised.duration, "language": recognised.language,
                "words": [[w.start, w.end, w.text] for w in recognised.words]}
        write_atomic(self.folder / f"{key}.json", json.dumps(data).encode())


def _select(project: Project, episode_slug: str | None) -> list[tuple[Show, Episode]]:
    chosen = [(show, episode) for show in project.shows for episode in project.episodes[show.slug]
              if episode_slug is None or episode.slug == episode_slug]
    if episode_slug is not None and not chosen:
        shows = ", ".join(s.slug for s in project.shows)
        raise ConfigError(f"no episode {episode_slug!r} in {shows or 'any show'}",
                          project.settings.project / "episodes")
    return chosen


def recognise_episode(settings: Settings, show: Show, episode: Episode, *, model: Path | None = None,
                      progress: Callable[[float], None] | None = None) -> tuple[speech.Recognised, bool]:
    """The episode's recognised words (from the cache when it has them); True if cached."""
    model_dir = model_for(show, model)
    language = language_for(show)
    names = hints(show, episode)
    cache = WordCache(settings.state_dir / CACHE_DIR)
    key = cache.key(file_digest(episode.media), speech.model_id(model_dir), language, names)
    hit = cache.get(key)
    if hit is not None:
        return hit, True
    recognised = speech.recognise(episode.media, model_dir, language=language, hints=names,
                                  duration=episode.info.duration, progress=progress)
    cache.put(key, recognised)
    return recognised, False


def _model_name(show: Show, override: Path | None) -> str:
    if override is None and show.transcripts.model is None:
        return "the bundled Whisper tiny.en model"
    return f"the model {model_for(show, override).name}"


def transcribe_episode(settings: Settings, show: Show, episode: Episode, *, model: Path | None = None,
                       force: bool = False, progress: Callable[[float], None] | None = None) -> Outcome:
    """Write ``<ep>.vtt`` beside the sidecar and ``transcript = "<ep>.vtt"`` into it."""
    target = episode.path.with_suffix(".vtt")
    if episode.transcript is not None and not force:
        return Outcome(show.slug, episode.slug, "skipped", episode.transcript,
                       message=f"has a transcript ({episode.transcript.name}); --force replaces it")
    recognised, cached = recognise_episode(settings, show, episode, model=model, progress=progress)
    cues = build_cues(recognised.words, min(recognised.duration, episode.info.duration))
    data = render_vtt(cues, _model_name(show, model))
    if target.exists() and not force and target.read_bytes() != data:
        return Outcome(show.slug, episode.slug, "skipped", target,
                       message=f"{target.name} exists but the sidecar does not name it; "
                               "--force replaces it")
    if target.is_symlink():
        raise ConfigError("is a symlink; media-pub will not write through it", target)
    write_atomic(target, data)
    write_back(episode.path, "transcript", target.name)
    return Outcome(show.slug, episode.slug, "cached" if cached else "written", target, len(cues))


def transcribe(settings: Settings, shows: Sequence[str] = (), *, episode: str | None = None,
               model: Path | None = None, force: bool = False,
               progress: Progress | None = None, only_missing: bool = False) -> TranscribeReport:
    """Transcribe every episode of ``shows`` (all by default) that has no transcript.

    ``episode`` picks one episode by slug; ``model`` is a faster-whisper model directory
    (default: the show's ``[transcripts] model``, else the bundled English model);
    ``force`` replaces existing transcripts. A failure in one episode is recorded and the
    others go on; a missing recogniser or model stops everything at once.

    Example: ``transcribe(settings, ["locked-up-living"], episode="002-what-is-restorative-justice")``
    """
    project = load_project(settings, shows)
    report = TranscribeReport()
    chosen = [(show, item) for show, item in _select(project, episode)
              if not (only_missing and item.transcript is not None)]
    if any(force or item.transcript is None for _, item in chosen):
        speech.require()   # before any work: say how to install it, once
    for show, item in chosen:
        key = f"{show.slug}/{item.slug}"
        step = (lambda fraction, key=key: progress(key, fraction)) if progress else None
        try:
            report.outcomes.append(transcribe_episode(settings, show, item, model=model, force=force,
                                                      progress=step))
        except (FatalError, ConfigError):
            raise
        except MediaPubError as error:
            report.outcomes.append(Outcome(show.slug, item.slug, "failed", message=str(error), error=error))
    return report


def auto_transcribe(settings: Settings, project: Project, progress: Progress | None = None) -> bool:
    """For ``build``: transcribe episodes of shows with ``[transcripts] auto = true`` that have none.

    Returns True when a sidecar changed (the caller reloads the project).
    """
    wanted = [show.slug for show in project.shows if show.transcripts.auto
              and any(e.transcript is None for e in project.episodes[show.slug])]
    if not wanted:
        return False
    report = transcribe(settings, wanted, progress=progress, only_missing=True)
    if report.failed:
        raise report.failed[0].error or ConfigError(report.failed[0].message)
    return any(o.state in ("written", "cached") for o in report.outcomes)


# --- chapter suggestions -----------------------------------------------------------------------

CHAPTER_PAUSE = 2.0       # seconds of silence that may end a chapter
CHAPTER_ALIGN = 2.0       # a sentence must start within this many seconds after the pause
CHAPTER_MIN = (5.0, 60.0)  # seconds between two suggestions: a 20th of the episode, within these
TITLE_WORDS = 6


@dataclass(frozen=True)
class ChapterSuggestion:
    show: str
    episode: str
    sidecar: Path
    chapters: tuple[Chapter, ...]
    pauses: tuple[tuple[float, float], ...]   # the silences found, seconds


def sentence_starts(cues: Sequence[Cue]) -> list[tuple[float, str]]:
    """(start, text from there to the sentence end) for each cue that begins a sentence."""
    starts: list[tuple[float, str]] = []
    previous_ended = True
    for index, cue in enumerate(cues):
        if previous_ended:
            text = cue.text
            for later in cues[index + 1:index + 3]:
                if _SENTENCE_END.search(text):
                    break
                text += " " + later.text
            starts.append((cue.start, text))
        previous_ended = bool(_SENTENCE_END.search(cue.text))
    return starts


def chapter_title(sentence: str, words: int = TITLE_WORDS) -> str:
    """The first words of a sentence, as a chapter title: "Restorative justice offers a safe…"."""
    first = re.split(r"(?<=[.!?…])\s", sentence.strip(), maxsplit=1)[0]
    tokens = first.split()
    title = " ".join(tokens[:words]).rstrip(",;:–— ")
    title = title.rstrip(".!?…") if len(tokens) <= words else title + "…"
    return title[:1].upper() + title[1:]


def chapters_from(cues: Sequence[Cue], pauses: Sequence[tuple[float, float]], duration: float,
                  *, min_gap: float | None = None) -> tuple[Chapter, ...]:
    """Chapter starts at the sentence starts that follow long pauses, plus one at 0.

    Chapters closer than ``min_gap`` seconds (default: a 20th of the episode, 5 to 60 s)
    to the previous one or to the end are not suggested.
    """
    if min_gap is None:
        min_gap = min(max(duration / 20, CHAPTER_MIN[0]), CHAPTER_MIN[1])
    starts = sentence_starts(cues)
    if not starts:
        return ()
    chapters = [Chapter(start=0.0, title=chapter_title(starts[0][1]))]
    for _, pause_end in pauses:
        after = [(t, text) for t, text in starts if pause_end - 0.5 <= t <= pause_end + CHAPTER_ALIGN]
        if not after:
            continue
        start, text = after[0]
        if start - chapters[-1].start < min_gap or duration - start < min_gap / 2:
            continue
        chapters.append(Chapter(start=round(start, 3), title=chapter_title(text)))
    return tuple(chapters) if len(chapters) > 1 else ()


def read_cues(path: Path, sidecar: Path) -> list[Cue]:
    """Cues of a VTT or SRT transcript (what chapter suggestions and clips read)."""
    import webvtt

    try:
        captions = webvtt.from_srt(str(path)) if path.suffix.lower() == ".srt" else webvtt.read(str(path))
    except (webvtt.errors.MalformedFileError, webvtt.errors.MalformedCaptionError,
            ValueError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path.name} is not a readable WebVTT/SRT transcript ({error})",
                          sidecar, "transcript") from None
    return [Cue(c.start_time.in_milliseconds() / 1000, c.end_time.in_milliseconds() / 1000,
                tuple(line.strip() for line in c.text.splitlines() if line.strip()))
            for c in captions.captions if c.text.strip()]


def suggest_chapters(settings: Settings, shows: Sequence[str] = (), *, episode: str | None = None,
                     force: bool = False) -> list[ChapterSuggestion]:
    """Chapter suggestions for episodes with a timed transcript and no chapters of their own."""
    from media_pub.media import silence

    project = load_project(settings, shows)
    suggestions = []
    for show, item in _select(project, episode):
        if item.transcript is None or item.transcript.suffix.lower() not in (".vtt", ".srt"):
            continue
        if item.chapters and not force:
            continue
        cues = read_cues(item.transcript, item.path)
        pauses = silence.long_pauses(item.media, min_seconds=CHAPTER_PAUSE, duration=item.info.duration)
        chapters = chapters_from(cues, pauses, item.info.duration)
        suggestions.append(ChapterSuggestion(show.slug, item.slug, item.path, chapters, tuple(pauses)))
    return suggestions


def write_chapters(suggestion: ChapterSuggestion) -> None:
    """Write the suggested chapters into the sidecar as ``chapters = [...]``, comments kept."""
    write_back(suggestion.sidecar, "chapters", chapters_array(suggestion.chapters))
