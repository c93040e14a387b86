#!/usr/bin/env python3
"""Generate the repository's two sample shows: sidecars, small real media, artwork.

Run it from anywhere; it writes into the repository root (or ``--project DIR``):

    python tools/make_samples.py            # (re)generate everything, then check it
    python tools/make_samples.py --check    # only check the committed files

What it makes (SPEC section 1 layout):

    media-pub.toml
    feeds/locked-up-living.toml, feeds/bethlem-ceramics.toml, feeds/art/<show>.jpg
    episodes/locked-up-living/*.toml + .mp3/.wav, one .vtt transcript, one .jpg
    episodes/bethlem-ceramics/*.toml + .mp4 (five short films), one .jpg; their .vtt captions
    are written by hand (kept, never regenerated)

Needs, besides the project's own dependencies (imageio-ffmpeg, mutagen):

* espeak-ng (Debian/Ubuntu: ``apt-get install espeak-ng``) for the speech;
* ImageMagick 6 or 7 (``convert`` or ``magick``) for artwork and the drawn objects;
* the DejaVu fonts (``fonts-dejavu-core``), found by name through fontconfig.

The output is as deterministic as the tools allow: fixed voices, seeds and encoder
settings, no timestamps in the files, single-threaded x264. Different versions of
espeak-ng, ffmpeg or ImageMagick may still produce different bytes.

The speech is synthetic and reads a short script written for the samples; it is not
a recording of anyone. ``guid`` keys are never invented here: media-pub writes them on
first build, and a ``guid`` already present in a sidecar is kept when it is rewritten.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import textwrap
import tomllib
import wave
from dataclasses import dataclass, field
from pathlib import Path

import imageio_ffmpeg
import mutagen

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
ROOT = Path(__file__).resolve().parent.parent

MAX_FILE_BYTES = 1_000_000
MAX_TOTAL_BYTES = 6_000_000
RATE = 22050            # espeak-ng's native rate
GAP = 0.35              # seconds of silence between two lines of speech
SPEED = 165             # espeak-ng words per minute

# espeak-ng voices: British English, a different voice per speaker.
HOST_VOICE = "en-gb+f3"
GUEST_VOICE = "en-gb-x-rp"
DIRECTOR_VOICE = "en-gb+f2"

HOST = "Morgan Ellis"   # a made-up host name for the sample podcast
GUEST = "Gerard Drennan"
DIRECTOR = "the director"

SYNTHETIC_NOTE = (
    "*Sample episode: the audio is synthetic speech (espeak-ng) reading a short script "
    "written for media-pub's samples, not a recording of the conversation.*"
)


@dataclass(frozen=True)
class Line:
    """One line of speech; a line with a ``chapter`` starts a chapter on a whole second."""

    speaker: str
    voice: str
    text: str
    chapter: str | None = None


@dataclass(frozen=True)
class Episode:
    slug: str
    fields: dict            # sidecar keys in the order they are written
    lines: tuple[Line, ...]
    media: str              # "wav" | "mp3" | "mp4"
    comments: dict = field(default_factory=dict)   # key -> comment written above it
    tags: dict = field(default_factory=dict)       # tags embedded in the media file
    transcript: bool = False
    image: tuple[str, str, str] | None = None      # (text, colour 1, colour 2)
    drawing: tuple[tuple[str, str, int, str], ...] = ()   # the object drawn (films)
    caption: str = ""                              # object named on screen (films)


# --------------------------------------------------------------------------- content

LOCKED_UP_LIVING = {
    "title": "Locked Up Living",
    "description": (
        "Conversations about restorative justice and mental health: what harm does, "
        "what repair can look like, and how people live with both, in prison and after."
    ),
    "author": "Locked Up Living",
    "owner": {"name": "Locked Up Living", "email": "podcast@example.org"},
    "language": "en-GB",
    "categories": ["Health & Fitness/Mental Health", "Society & Culture"],
    "explicit": False,
    "type": "episodic",
    "medium": "podcast",
    "artwork": "art/locked-up-living.jpg",
    "link": "https://example.org/locked-up-living",
    "delivery": {"loudness": -16.0, "true_peak": -1.0, "format": "mp3", "bitrate": "128k"},
}

BETHLEM_CERAMICS = {
    "title": "Bethlem Ceramics: A History in Pots and Jars",
    "description": (
        "In five short films, the director of the Bethlem Museum of the Mind traces the "
        "history of Bethlem Royal Hospital, founded in London in 1247, through pots, jars "
        "and other ceramic objects, and asks what everyday things can tell us about care "
        "and recovery across nearly eight centuries."
    ),
    "author": "Bethlem Museum of the Mind",
    "owner": {"name": "Bethlem Museum of the Mind", "email": "films@example.org"},
    "language": "en-GB",
    "categories": ["History", "Health & Fitness/Mental Health"],
    "explicit": False,
    "type": "serial",
    "medium": "video",
    "artwork": "art/bethlem-ceramics.jpg",
    "link": "https://example.org/bethlem-ceramics",
    "delivery": {"loudness": -16.0, "true_peak": -1.0, "format": "mp4", "bitrate": "128k"},
}

SHOW_COMMENTS = {
    "locked-up-living": (
        "Sample show: an interview podcast. The show's slug is this file's name.\n"
        "Episodes live in episodes/locked-up-living/, one .toml sidecar per episode.",
        {
            "artwork": "Square JPEG or PNG, 1400-3000 px, relative to this file.",
            "medium": "podcast:medium: 'podcast' for audio shows.",
            "delivery": "How media-pub encodes each episode for listeners (EBU R128 loudness).",
        },
    ),
    "bethlem-ceramics": (
        "Sample show: a five-part video series, meant to be watched in order.",
        {
            "type": "'serial': apps present the episodes in number order, oldest first.",
            "medium": "'video' is a series of videos; 'film' would mean a feed of one film.",
            "delivery": "Video is not re-encoded; its audio track is normalised to this loudness.",
        },
    ),
}


def _drennan() -> Episode:
    h, g = HOST_VOICE, GUEST_VOICE
    lines = (
        Line(HOST, h, "Welcome to Locked Up Living, about restorative justice and mental "
             "health.", "Introduction"),
        Line(HOST, h, "My guest is Doctor Gerard Drennan, a clinical psychologist."),
        Line(HOST, h, "If there is trauma, there will have been harm.", "Trauma and harm"),
        Line(GUEST, g, "Yes. Trauma does not come from nowhere. The harm behind it "
             "deserves to be named."),
        Line(HOST, h, "What can restorative justice offer?", "Restorative justice"),
        Line(GUEST, g, "A safe way to talk about harm, to be heard, and to take "
             "responsibility."),
        Line(HOST, h, "You experienced Truth and Reconciliation in South Africa.",
             "Truth and Reconciliation in South Africa"),
        Line(GUEST, g, "It showed me that telling the truth about harm is painful, "
             "and necessary."),
        Line(HOST, h, "Thank you. This was Locked Up Living.", "Thanks"),
    )
    title = "If there is trauma, there will have been harm"
    return Episode(
        slug="001-gerard-drennan",
        media="mp3",
        lines=lines,
        transcript=True,
        image=("If there is trauma,\nthere will have\nbeen harm", "#2b3a55", "#7a4e3b"),
        tags={"title": title, "artist": "Locked Up Living", "album": "Locked Up Living",
              "date": "2026-09-14"},
        fields={
            "title": title,
            "media": "001-gerard-drennan.mp3",
            "published": "2026-09-14T08:00:00Z",
            "draft": False,
            "description": (
                "Dr Gerard Drennan, clinical psychologist, talks about trauma and harm, "
                "what restorative justice can offer, and his experience of Truth and "
                "Reconciliation in South Africa.\n\n"
                "{chapter_list}\n\n"
                "Find out more about restorative justice from the "
                "[Restorative Justice Council](https://restorativejustice.org.uk/).\n\n"
                + SYNTHETIC_NOTE
            ),
            "season": 1,
            "episode": 1,
            "episode_type": "full",
            "explicit": False,
            "image": "001-gerard-drennan.jpg",
            "transcript": "001-gerard-drennan.vtt",
            "chapters": "{chapters}",
            "persons": [{"name": HOST, "role": "host"}, {"name": GUEST, "role": "guest"}],
        },
        comments={
            "media": "The recording, relative to this file.",
            "published": "RFC 3339 date and time with a Z (UTC) or +01:00 offset.",
            "description": "Show notes in Markdown (or HTML). Links are kept; scripts are not.",
            "chapters": "Chapter starts as \"HH:MM:SS\" strings, in order.",
            "persons": "podcast:person roles from the Podcast Taxonomy: host, guest, ...",
        },
    )


def _podcast_episodes() -> list[Episode]:
    h = HOST_VOICE
    return [
        _drennan(),
        Episode(
            slug="002-what-is-restorative-justice",
            media="wav",
            lines=(
                Line(HOST, h, "What do we mean by restorative justice? It brings together "
                     "people harmed by a crime and the people responsible, so that everyone "
                     "affected can play a part in repairing the harm."),
                Line(HOST, h, "It is voluntary, it is carefully prepared, and it can help "
                     "people recover."),
                Line(HOST, h, "Nobody is made to meet anyone: a trained facilitator "
                     "talks with each person first."),
            ),
            fields={
                "title": "What do we mean by restorative justice?",
                "media": "002-what-is-restorative-justice.wav",
                "published": "2026-10-12T08:00:00Z",
                "description": (
                    "A short explainer: what restorative justice is, who takes part, "
                    "and why preparation and choice matter.\n\n" + SYNTHETIC_NOTE
                ),
                "season": 1,
                "episode": 2,
                "explicit": False,
                "persons": [{"name": HOST, "role": "host"}],
            },
            comments={"media": "A WAV recording: media-pub encodes it to MP3 for delivery."},
        ),
        Episode(
            slug="003-keeping-well-inside",
            media="mp3",
            lines=(
                Line(HOST, h, "This week, listeners share the small habits that help them "
                     "keep well in prison: a routine, a letter home, a book, and someone "
                     "who listens."),
                Line(HOST, h, "None of these replaces proper care, but they can make a "
                     "hard day easier."),
                Line(HOST, h, "If you are struggling, tell someone you trust, and ask to "
                     "see the healthcare team. You do not have to wait for a crisis."),
            ),
            tags={"title": "Keeping well inside: small habits that help",
                  "artist": "Locked Up Living", "album": "Locked Up Living",
                  "date": "2026-11-09"},
            fields={
                "media": "003-keeping-well-inside.mp3",
                "published": "2026-11-09T08:00:00Z",
                "description": (
                    "Listeners share the small, everyday habits that help them keep "
                    "well inside.\n\n" + SYNTHETIC_NOTE
                ),
                "season": 1,
                "episode": 3,
                "explicit": False,
                "persons": [{"name": HOST, "role": "host"}],
            },
            comments={
                "media": (
                    "No title in this sidecar: media-pub takes it from the MP3's own\n"
                    "title tag (ID3 TIT2). Any key written here wins over the tags."
                ),
            },
        ),
        Episode(
            slug="004-families-and-visits",
            media="mp3",
            lines=(
                Line(HOST, h, "In a coming episode, families talk about visits, distance "
                     "and keeping in touch, and about what helps children when a parent "
                     "is in prison."),
                Line(HOST, h, "We will also hear how visits can be made less daunting, "
                     "from the queue at the gate to the goodbye at the end."),
                Line(HOST, h, "This episode is still a draft, so it is not in the feed yet. "
                     "Thank you for your patience."),
            ),
            tags={"title": "Families and visits", "artist": "Locked Up Living",
                  "album": "Locked Up Living", "date": "2026-11-23"},
            fields={
                "title": "Families and visits",
                "media": "004-families-and-visits.mp3",
                "published": "2026-11-23T08:00:00Z",
                "draft": True,
                "description": "Families on visits, distance and keeping in touch.",
                "season": 1,
                "episode": 4,
                "explicit": False,
            },
            comments={
                "draft": "A draft is never built into the feeds and never uploaded.\n"
                         "Set it to false (or delete the line) when the episode is ready.",
            },
        ),
        Episode(
            slug="005-season-two-trailer",
            media="mp3",
            lines=(
                Line(HOST, h, "Season two of Locked Up Living begins in January. We will "
                     "hear from people who work in prisons, and from people who have "
                     "lived in them, about what helps after harm."),
                Line(HOST, h, "Follow the show in your podcast app so the new episodes "
                     "arrive as soon as they are out. Until then, take care of yourself, and thank "
                     "you for listening."),
            ),
            tags={"title": "Season two: coming in January", "artist": "Locked Up Living",
                  "album": "Locked Up Living", "date": "2027-01-11"},
            fields={
                "title": "Season two: coming in January",
                "media": "005-season-two-trailer.mp3",
                "published": "2027-01-11T08:00:00Z",
                "description": "A trailer for the second season of Locked Up Living.",
                "season": 2,
                "episode_type": "trailer",
                "explicit": False,
                "persons": [{"name": HOST, "role": "host"}],
            },
            comments={
                "published": "In the future: scheduled. The episode stays out of the feeds\n"
                             "until this time has passed and the show is built again.",
            },
        ),
    ]


# Simple drawings of the objects on a 640x360 transparent canvas:
# (fill, stroke, stroke width, ImageMagick -draw primitive).
_JAR = (("#b9895a", "#4a3322", 4, "ellipse 200,200 80,95 0,360"),
        ("#b9895a", "#4a3322", 4, "rectangle 160,80 240,120"),
        ("#8c6239", "#4a3322", 4, "rectangle 150,70 250,85"))
_ALBARELLO = (("#e8e4d8", "#1f3b73", 4, "roundrectangle 140,70 260,300 18,18"),
              ("#1f3b73", "none", 0, "rectangle 140,140 260,165"),
              ("#1f3b73", "none", 0, "rectangle 140,215 260,240"),
              ("#e8e4d8", "#1f3b73", 4, "ellipse 200,70 62,12 0,360"))
_JUG_BOWL = (("none", "#3d5a40", 12, "ellipse 235,165 40,50 270,90"),
             ("#7fa47c", "#3d5a40", 4, "ellipse 170,185 65,90 0,360"),
             ("#7fa47c", "#3d5a40", 4, "polygon 110,100 90,85 150,95"),
             ("#d9cdb0", "#6b5a3a", 4, "ellipse 330,270 80,30 0,180"),
             ("#d9cdb0", "#6b5a3a", 4, "line 250,270 410,270"))
_PLATE = (("#f3efe6", "#6d6d6d", 4, "circle 220,190 220,65"),
          ("none", "#2e5e8c", 6, "circle 220,190 220,95"),
          ("#2e5e8c", "none", 0, "circle 220,190 220,165"))
_STUDIO_POT = (("#a44a3f", "#3b1e1a", 4, "ellipse 220,200 90,85 0,360"),
               ("#a44a3f", "#3b1e1a", 4, "rectangle 185,95 255,125"),
               ("none", "#e0b25b", 10, "arc 135,160 305,250 20,160"))

_FILMS = (
    ("01-storage-jar", "Part 1: The storage jar, beginnings in 1247", "Storage jar", _JAR,
     "Bethlem was founded in London in 1247. Long before it was a hospital as we know it, "
     "it was a household, and households ran on pots and jars. In this series, five "
     "ceramic objects help us trace nearly eight centuries of care.",
     "How Bethlem began in 1247, and why the everyday pots and jars of a household are a "
     "good place to start its story."),
    ("02-apothecary-jar", "Part 2: The apothecary jar, remedies and treatment",
     "Apothecary jar", _ALBARELLO,
     "Glazed jars once held the remedies of their day. Looking at them, we can ask what "
     "people believed would help a troubled mind, and how those beliefs have changed.",
     "Jars that once held remedies, and what they tell us about changing ideas of "
     "treatment."),
    ("03-jug-and-bowl", "Part 3: The jug and bowl, daily life on the wards", "Jug and bowl",
     _JUG_BOWL,
     "Jugs, bowls and plates are the most ordinary things in a hospital. They remind us "
     "that patients and staff shared meals and routines, and that daily life mattered.",
     "Ordinary tableware, and the shared meals and routines of life on the wards."),
    ("04-plate", "Part 4: The plate, a hospital on the move", "Plate", _PLATE,
     "Bethlem has moved sites several times in its long history. Each move brought new "
     "buildings, new ideas about care, and new everyday things, down to the plates on "
     "the table.",
     "Bethlem has moved sites several times; a plate helps us think about what each move "
     "changed."),
    ("05-studio-pot", "Part 5 (final part): The studio pot, making and remembering at "
     "Beckenham", "Studio pot", _STUDIO_POT,
     "Today the hospital and the Museum of the Mind are at Beckenham. In this final film, "
     "we look at how making things, pots included, can be part of recovery. Thank you "
     "for watching.",
     "The final instalment of the series: the hospital and the museum at Beckenham today, "
     "and making things as part of recovery."),
)


def _film_episodes() -> list[Episode]:
    episodes = []
    for number, (slug, title, caption, drawing, script, notes) in enumerate(_FILMS, 1):
        final = number == len(_FILMS)
        fields = {
            "title": title,
            "media": f"{slug}.mp4",
            # Captions written by hand from the script, timed at the pauses between
            # sentences; this script never writes or replaces them.
            "transcript": f"{slug}.vtt",
            "published": f"2026-10-{1 + 7 * (number - 1):02d}T10:00:00Z",
            "description": notes + (
                "\n\nThank you for watching the series." if final else
                f"\n\nNext: part {number + 1} of {len(_FILMS)}.")
            + "\n\n*Sample film: drawn objects and synthetic narration (espeak-ng).*",
            "season": 1,
            "episode": number,
            "explicit": False,
        }
        comments = {"episode": "Serial shows need an episode number: 1 to 5, in order."}
        if final:
            fields["image"] = f"{slug}.jpg"
            comments["image"] = "Episode artwork (also the player's poster image)."
        episodes.append(Episode(
            slug=slug, media="mp4", fields=fields, comments=comments,
            lines=(Line(DIRECTOR, DIRECTOR_VOICE, script),),
            tags={"title": title, "artist": "Bethlem Museum of the Mind",
                  "album": BETHLEM_CERAMICS["title"]},
            drawing=drawing, caption=caption,
            image=(f"Part 5\n{caption}", "#3b1e1a", "#a44a3f") if final else None,
        ))
    return episodes


SHOWS = {
    "locked-up-living": (LOCKED_UP_LIVING, _podcast_episodes,
                         ("#1d2b44", "#7a4e3b", "Locked\nUp\nLiving",
                          "restorative justice and mental health")),
    "bethlem-ceramics": (BETHLEM_CERAMICS, _film_episodes,
                         ("#3b1e1a", "#c08a5a", "Bethlem\nCeramics",
                          "a history in pots and jars")),
}


# --------------------------------------------------------------------------- tools

def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL)


def need_tools() -> list[str]:
    """The ImageMagick command line, after checking every outside tool is present."""
    missing = [tool for tool in ("espeak-ng",) if shutil.which(tool) is None]
    magick = ["magick"] if shutil.which("magick") else ["convert"] if shutil.which("convert") else None
    if magick is None:
        missing.append("ImageMagick (magick or convert)")
    if missing:
        sys.exit("make_samples: missing " + ", ".join(missing) + " (see this script's docstring)")
    return magick


def speak(text: str, voice: str, path: Path) -> None:
    run(["espeak-ng", "-v", voice, "-s", str(SPEED), "-w", str(path), text])


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    line: Line


def render_speech(lines: tuple[Line, ...], work: Path, out: Path) -> tuple[list[Cue], float]:
    """Speak ``lines`` into one mono 16-bit WAV; chapters start on whole seconds."""
    frames, cues, now = bytearray(), [], 0.0
    lead = 0.25
    for index, line in enumerate(lines):
        part = work / f"line{index}.wav"
        speak(line.text, line.voice, part)
        with wave.open(str(part)) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2)
            audio = w.readframes(w.getnframes())
        if index == 0:
            start = lead
        elif line.chapter:
            start = math.ceil(now + GAP)
        else:
            start = now + GAP
        frames += bytes(2 * (round(start * RATE) - len(frames) // 2))
        start = len(frames) / 2 / RATE
        frames += audio
        now = len(frames) / 2 / RATE
        cues.append(Cue(start, now, line))
    frames += bytes(2 * round(0.6 * RATE))
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))
    return cues, len(frames) / 2 / RATE


def encode_audio(source: Path, target: Path, kind: str, tags: dict) -> None:
    cmd = [FFMPEG, "-v", "error", "-y", "-i", str(source), "-map_metadata", "-1",
           "-fflags", "+bitexact", "-flags:a", "+bitexact"]
    if kind == "wav":
        # 8-bit PCM keeps a 20 s WAV under half a megabyte; speech survives it well.
        cmd += ["-c:a", "pcm_u8", "-ar", str(RATE), "-ac", "1"]
    else:
        cmd += ["-c:a", "libmp3lame", "-b:a", "64k", "-ar", "44100", "-ac", "1",
                "-id3v2_version", "4", "-write_id3v1", "0"]
        for key, value in tags.items():
            cmd += ["-metadata", f"{key}={value}"]
    run(cmd + [str(target)])


def draw_text_art(magick: list[str], path: Path, size: int, top: str, bottom: str,
                  text: str, subtitle: str) -> None:
    """A square RGB JPEG: a two-colour gradient, a frame, the title and a subtitle."""
    run(magick + [
        "-size", f"{size}x{size}", f"gradient:{top}-{bottom}",
        "-fill", "none", "-stroke", "#f3e9d8", "-strokewidth", str(size // 140),
        "-draw", f"rectangle {size // 14},{size // 14} {size - size // 14},{size - size // 14}",
        "-stroke", "none", "-fill", "#f3e9d8",
        "-font", "DejaVu-Serif-Bold", "-pointsize", str(size // (11 if len(text) < 30 else 15)), "-interline-spacing",
        str(size // 60), "-gravity", "center", "-annotate", f"+0-{size // 12}", text,
        "-font", "DejaVu-Sans", "-pointsize", str(size // 30),
        "-annotate", f"+0+{size // 3}", subtitle,
        "-colorspace", "sRGB", "-type", "TrueColor", "-units", "PixelsPerInch",
        "-density", "72", "-strip", "-sampling-factor", "4:2:0", "-quality", "82",
        str(path),
    ])


def make_film(magick: list[str], episode: Episode, work: Path, target: Path, seed: int,
              part: str) -> None:
    speech = work / f"{episode.slug}.wav"
    _, seconds = render_speech(episode.lines, work, speech)
    duration = round(seconds + 0.6, 2)
    drawing = work / f"{episode.slug}.png"
    draw = []
    for fill, stroke, width, shape in episode.drawing:
        draw += ["-fill", fill, "-stroke", stroke, "-strokewidth", str(width), "-draw", shape]
    run(magick + ["-size", "640x360", "xc:none"] + draw + ["-strip", f"PNG32:{drawing}"])
    fade_out = duration - 0.8
    text = (
        "drawtext=font='DejaVu Serif':fontsize={size}:fontcolor=0xf3e9d8:"
        "x={x}:y={y}:text='{text}'"
    )
    video = ",".join([
        "[0:v][1:v]overlay=x=20:y=0:format=auto",
        text.format(size=22, x="w-tw-30", y=24, text=part),
        text.format(size=30, x=345, y="h/2-40", text=episode.caption),
        text.format(size=16, x=345, y="h/2+6", text="Bethlem Museum of the Mind"),
        f"fade=t=in:st=0:d=0.5,fade=t=out:st={fade_out}:d=0.8,format=yuv420p[v]",
    ])
    run([
        FFMPEG, "-v", "error", "-y",
        "-f", "lavfi", "-i",
        f"gradients=s=640x360:r=25:c0=0x2a1a14:c1=0x6b4a33:seed={seed}:speed=0.004:d={duration}",
        "-loop", "1", "-framerate", "25", "-t", str(duration), "-i", str(drawing),
        "-i", str(speech),
        "-filter_complex", video + f";[2:a]apad,atrim=0:{duration}[a]",
        "-map", "[v]", "-map", "[a]", "-t", str(duration),
        "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact",
        "-flags:a", "+bitexact",
        "-c:v", "libx264", "-preset", "slow", "-crf", "30", "-threads", "1",
        "-profile:v", "main", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "48k", "-ar", "44100", "-ac", "1",
        "-metadata", f"title={episode.tags['title']}",
        "-metadata", f"artist={episode.tags['artist']}",
        "-metadata", f"album={episode.tags['album']}",
        "-movflags", "+faststart", str(target),
    ])


# --------------------------------------------------------------------------- text files

def timestamp(seconds: float, vtt: bool) -> str:
    whole = int(seconds)
    text = f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    return text + f".{round((seconds - whole) * 1000):03d}" if vtt else text


def write_vtt(path: Path, cues: list[Cue]) -> None:
    """WebVTT with <v Speaker> spans, lines of at most 50 characters."""
    blocks = ["WEBVTT\n\nNOTE Synthetic speech (espeak-ng) reading a script written "
              "for media-pub's samples."]
    for number, cue in enumerate(cues, 1):
        body = "\n".join(textwrap.wrap(cue.line.text, 50))
        blocks.append(f"{number}\n{timestamp(cue.start, True)} --> "
                      f"{timestamp(cue.end, True)}\n<v {cue.line.speaker}>{body}")
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")


def toml_value(value: object) -> str:
    """One TOML value. Strings with line breaks become multi-line literal strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        if value[:4].isdigit() and value.endswith("Z") and "T" in value:
            return value                                   # an RFC 3339 date-time
        if "\n" in value:
            assert "'''" not in value
            return "'''\n" + value + "'''"
        return json.dumps(value, ensure_ascii=False)       # a valid TOML basic string
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "[\n" + "".join(f"  {toml_value(v)},\n" for v in value) + "]"
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(value)


def comment(text: str) -> str:
    return "".join(f"# {line}\n" for line in text.splitlines())


def write_toml(path: Path, header: str, values: dict, comments: dict) -> None:
    """Write a readable sidecar, keeping the keys media-pub already wrote there: ``guid``, and
    the ``transcript`` that `media-pub transcribe` added (its reviewed .vtt is kept too)."""
    old = tomllib.loads(path.read_text("utf-8")) if path.exists() else {}
    top = {k: v for k, v in values.items() if not isinstance(v, dict) or k == "owner"}
    tables = {k: v for k, v in values.items() if k not in top}
    if old.get("transcript") and "transcript" not in top and (path.parent / old["transcript"]).is_file():
        top["transcript"] = old["transcript"]
    if old.get("guid"):
        top["guid"] = old["guid"]
    out = [comment(header)]
    for key, value in top.items():
        out.append(("\n" + comment(comments[key]) if key in comments else "")
                   + f"{key} = {toml_value(value)}\n")
    for key, table in tables.items():
        out.append("\n" + comment(comments.get(key, "")) + f"[{key}]\n")
        out += [f"{k} = {toml_value(v)}\n" for k, v in table.items()]
    text = "".join(out)
    assert tomllib.loads(text).keys() == {**top, **tables}.keys(), path
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- generate

def generate(project: Path) -> None:
    magick = need_tools()
    write_toml(project / "media-pub.toml",
               "Site-wide settings for the sample project (all optional).\n"
               "Each key can be overridden by MEDIA_PUB_<KEY>, e.g. MEDIA_PUB_BASE_URL.",
               {"base_url": "https://media.example.org/", "out": "public",
                "storage": {"target": "public"}},
               {"base_url": "The public URL that maps to the build directory's root.",
                "out": "Where `media-pub build` writes feeds, media and players.",
                "storage": "`media-pub publish` copies the build here: a folder, or\n"
                           "s3://bucket/prefix with endpoint_url for R2, B2, MinIO..."})
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for seed, (show, (meta, episodes_of, art)) in enumerate(SHOWS.items(), 1):
            feeds = project / "feeds"
            (feeds / "art").mkdir(parents=True, exist_ok=True)
            header, comments = SHOW_COMMENTS[show]
            write_toml(feeds / f"{show}.toml", header, meta, comments)
            draw_text_art(magick, feeds / meta["artwork"], 1400, *art)
            folder = project / "episodes" / show
            folder.mkdir(parents=True, exist_ok=True)
            episodes = episodes_of()
            for number, episode in enumerate(episodes, 1):
                make_episode(magick, episode, folder, work, seed * 100 + number,
                             f"Part {number} of {len(episodes)}")


def make_episode(magick: list[str], episode: Episode, folder: Path, work: Path,
                 seed: int, part: str) -> None:
    fields = dict(episode.fields)
    media = folder / fields["media"]
    if episode.media == "mp4":
        make_film(magick, episode, work, media, seed, part)
    else:
        speech = work / f"{episode.slug}.wav"
        cues, _ = render_speech(episode.lines, work, speech)
        encode_audio(speech, media, episode.media, episode.tags)
        chapters = [(c.start, c.line.chapter) for c in cues if c.line.chapter]
        if chapters:
            chapters[0] = (0.0, chapters[0][1])        # the first chapter opens the episode
            fields["chapters"] = [{"start": timestamp(s, False), "title": t}
                                  for s, t in chapters]
            listing = "\n".join(f"- {timestamp(s, False)[3:]} {t}" for s, t in chapters)
            fields["description"] = fields["description"].replace("{chapter_list}", listing)
        if episode.transcript:
            write_vtt(folder / fields["transcript"], cues)
    if episode.image:
        text, top, bottom = episode.image
        draw_text_art(magick, folder / fields["image"], 1400, top, bottom, text,
                      episode.tags.get("album", ""))
    header = (f"Sample episode sidecar: one episode of the show named by this folder.\n"
              f"The episode's slug is this file's name: {episode.slug}.")
    write_toml(folder / f"{episode.slug}.toml", header, fields, episode.comments)


# --------------------------------------------------------------------------- check

def check(project: Path) -> int:
    """Print each sample file's size (and media duration); fail on limits or bad media."""
    files = sorted(p for d in ("feeds", "episodes") for p in (project / d).rglob("*")
                   if p.is_file())
    files.append(project / "media-pub.toml")
    problems, total = [], 0
    for path in files:
        size = path.stat().st_size
        total += size
        line = f"{size / 1000:8.1f} kB  {path.relative_to(project)}"
        if path.suffix in (".mp3", ".wav", ".mp4"):
            decode = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-f", "null", "-"], check=False,
                                    capture_output=True, text=True)
            if decode.returncode or decode.stderr.strip():
                problems.append(f"{path}: ffmpeg decode: {decode.stderr.strip()}")
            line += f"  {mutagen.File(path).info.length:6.2f} s"
        if path.suffix == ".toml":
            tomllib.loads(path.read_text("utf-8"))
        if size >= MAX_FILE_BYTES:
            problems.append(f"{path}: {size} bytes, limit {MAX_FILE_BYTES}")
        print(line)
    print(f"{total / 1000:8.1f} kB  total ({len(files)} files)")
    if total >= MAX_TOTAL_BYTES:
        problems.append(f"total {total} bytes, limit {MAX_TOTAL_BYTES}")
    for problem in problems:
        print("PROBLEM:", problem, file=sys.stderr)
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=ROOT, help="where to write")
    parser.add_argument("--check", action="store_true", help="only check existing files")
    args = parser.parse_args()
    if not args.check:
        generate(args.project)
    return check(args.project)


if __name__ == "__main__":
    sys.exit(main())
