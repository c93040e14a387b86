"""``clip``: a shareable audiogram of part of an episode, for social media.

The clip is cut from the episode's own recording, brought to the show's delivery loudness
(measured on the excerpt itself, then linear gain and the delivery limiter: the same
recipe as a delivered episode), and drawn by media/audiogram.py over the episode image or
the show artwork, with the episode title and the transcript's cues for that stretch as
burned-in captions (shifted to the clip's start, re-wrapped for the shape). It goes into
``clips/<show>/`` of the build directory, which ``publish`` uploads only when asked
(``publish --clips``; site.is_published) and ``build`` never sweeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from media_pub import site
from media_pub.errors import ConfigError, MediaError
from media_pub.media import audiogram, loudness
from media_pub.progress import FractionProgress
from media_pub.model import Episode, Settings
from media_pub.project.load import load_project
from media_pub.transcribe import Cue, read_cues, split_lines

MAX_SECONDS = 600.0   # social networks cap video posts around 10 minutes


@dataclass(frozen=True)
class ClipResult:
    key: str            # clips/<show>/<name>.mp4
    path: Path
    start: float
    duration: float
    captions: int       # cues burned in


def _srt_time(seconds: float) -> str:
    millis = round(max(0.0, seconds) * 1000)
    return f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d},{millis % 1000:03d}"


def clip_cues(cues: list[Cue], start: float, duration: float, chars: int) -> list[Cue]:
    """The cues heard between ``start`` and ``start + duration``, timed from the clip's start
    and laid out again in lines of ``chars`` (kept as they were if they do not fit)."""
    end = start + duration
    shifted = []
    for cue in cues:
        if cue.end <= start or cue.start >= end:
            continue
        lines = split_lines(cue.text.split(), chars) or cue.lines
        shifted.append(Cue(round(max(cue.start, start) - start, 3), round(min(cue.end, end) - start, 3),
                           tuple(lines)))
    return [c for c in shifted if c.end > c.start]


def render_srt(cues: list[Cue]) -> str:
    """SubRip text (the format libass reads for burned-in captions)."""
    blocks = [f"{n}\n{_srt_time(c.start)} --> {_srt_time(c.end)}\n" + "\n".join(c.lines)
              for n, c in enumerate(cues, 1)]
    return "\n\n".join(blocks) + "\n"


def clip_name(episode: str, start: float, duration: float, shape: str) -> str:
    """``<episode>-<start>s-<duration>s-<shape>.mp4``: one file per cut, so clips never collide."""
    def seconds(value: float) -> str:
        return f"{value:g}".replace(".", "_") + "s"

    return f"{episode}-{seconds(start)}-{seconds(duration)}-{shape}.mp4"


def make_clip(settings: Settings, show_slug: str, episode_slug: str, *, start: float, duration: float,
              shape: str = "square", out: Path | None = None,
              progress: FractionProgress | None = None) -> ClipResult:
    """Render a clip of an episode into ``clips/<show>/`` of the build directory.

    Example: ``make_clip(settings, "locked-up-living", "001-gerard-drennan", start=10, duration=30)``
    """
    if shape not in audiogram.SHAPES:
        raise ConfigError(f"{shape!r} is not a clip shape ({', '.join(audiogram.SHAPES)})", None, "--shape")
    if not 0 < duration <= MAX_SECONDS:
        raise ConfigError(f"must be between 0 and {MAX_SECONDS:g} seconds", None, "--duration")
    if start < 0:
        raise ConfigError("must not be negative", None, "--start")
    project = load_project(settings, [show_slug])
    show = project.show(show_slug)
    episode: Episode | None = next((e for e in project.episodes[show_slug] if e.slug == episode_slug), None)
    if episode is None:
        known = ", ".join(e.slug for e in project.episodes[show_slug]) or "none"
        raise ConfigError(f"no episode {episode_slug!r} in {show_slug} (episodes: {known})",
                          show.path.parent.parent / "episodes" / show_slug)
    if start >= episode.info.duration:
        raise ConfigError(f"{start:g} s is past the end of {episode.media.name} "
                          f"({episode.info.duration:.0f} s)", None, "--start")
    duration = min(duration, episode.info.duration - start)
    layout = audiogram.SHAPES[shape]
    # The delivery's channel layout: a mono episode stays mono (measured as dual-mono).
    channels = loudness.layout_for(episode.info.channels, show.delivery)
    measured = loudness.measure(episode.media, excerpt=(start, duration),
                                channels=1 if channels == "mono" else 2)
    if loudness.is_silent(measured):
        raise MediaError(f"is silent from {start:g} s for {duration:g} s; pick another part",
                         episode.media, "media")
    cues: list[Cue] = []
    if episode.transcript is not None and episode.transcript.suffix.lower() in (".vtt", ".srt"):
        cues = clip_cues(read_cues(episode.transcript, episode.path), start, duration, layout.caption_chars)
    key = site.clip_key(show.slug, clip_name(episode.slug, start, duration, shape))
    path = (out if out is not None else settings.out_dir) / key
    audiogram.render(episode.media, path, start=start, duration=duration, shape=layout,
                     title=episode.title, image=episode.image or show.artwork,
                     captions_srt=render_srt(cues) if cues else None,
                     gain_chain=loudness.linear_chain(measured, show.delivery, channels),
                     progress=progress)
    return ClipResult(key, path, start, duration, len(cues))
