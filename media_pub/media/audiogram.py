"""The audiogram recipe: artwork, an animated waveform, a title and burned-in captions, as MP4.

One ffmpeg run (through media/ffmpeg.py) per clip, after STANDARDS 9.8: the still image is
looped (``-loop 1``), so the overlay takes ``shortest=1`` and the output ``-shortest``, or the
encode would never end; ``showwaves`` draws on a transparent background over the artwork;
``drawtext`` writes the title and ``subtitles`` (libass) the captions. Both read their text
from files in a private folder that is also ffmpeg's working directory, so no title or path
needs filtergraph escaping. x264 runs with ``-preset veryfast -tune stillimage`` (about 3x
faster than the default preset on a still picture, STANDARDS 9.8) and yuv420p, AAC audio,
``+faststart`` for the social networks' players.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

from media_pub.fsutil import temp_beside
from media_pub.media import ffmpeg
from media_pub.progress import FractionProgress

FPS = 25
FONT = "DejaVu Sans"
BACKGROUND = "0x1d2b3a"


@dataclass(frozen=True)
class Shape:
    """A clip layout: frame size, where the artwork, waveform, title and captions go."""

    name: str
    width: int
    height: int
    art: tuple[int, int, int]          # size (square), x, y
    wave: tuple[int, int, int, int]    # width, height, x, y
    title: tuple[int, int, int, int]   # x, y, font size, characters per line
    caption_chars: int                 # characters per caption line
    caption_style: str                 # libass force_style (legacy SSA alignment numbers)


SHAPES: dict[str, Shape] = {
    "square": Shape("square", 1080, 1080, (1080, 0, 0), (1080, 200, 0, 800), (60, 60, 54, 32),
                    42, "Alignment=2,MarginV=300,FontSize=16"),
    "vertical": Shape("vertical", 1080, 1920, (1080, 0, 360), (1080, 240, 0, 1460), (60, 90, 64, 26),
                      32, "Alignment=2,MarginV=40,FontSize=11"),
    "wide": Shape("wide", 1920, 1080, (1080, 0, 0), (780, 200, 1110, 440), (1110, 80, 54, 26),
                  42, "Alignment=3,MarginV=60,MarginR=60,FontSize=16"),
}


def _graph(shape: Shape, has_art: bool, gain_chain: str, has_captions: bool) -> str:
    audio = 1 if has_art else 0
    size, art_x, art_y = shape.art
    wave_w, wave_h, wave_x, wave_y = shape.wave
    title_x, title_y, title_size, _ = shape.title
    if has_art:
        background = (f"[0:v]scale={size}:{size}:flags=lanczos,setsar=1,"
                      f"pad={shape.width}:{shape.height}:{art_x}:{art_y}:color={BACKGROUND},format=yuv420p[bg]")
    else:
        background = f"color=c={BACKGROUND}:s={shape.width}x{shape.height}:r={FPS},format=yuv420p[bg]"
    video = (f"[bg][wave]overlay=x={wave_x}:y={wave_y}:shortest=1,"
             f"drawtext=font='{FONT}':textfile=title.txt:x={title_x}:y={title_y}:fontsize={title_size}"
             f":fontcolor=white:line_spacing=12:box=1:boxcolor=black@0.55:boxborderw=18")
    if has_captions:
        video += (f",subtitles=captions.srt:force_style='FontName={FONT},{shape.caption_style},"
                  f"BorderStyle=3,Outline=2,Shadow=0'")
    return ";".join([
        background,
        f"[{audio}:a]{gain_chain},asplit=2[out][meter]",
        (f"[meter]aformat=channel_layouts=mono,showwaves=s={wave_w}x{wave_h}:mode=cline:rate={FPS}"
         f":colors=white:scale=sqrt,format=yuva420p[wave]"),
        video + "[v]",
    ])


def render(audio: Path, out: Path, *, start: float, duration: float, shape: Shape, title: str,
           image: Path | None, captions_srt: str | None, gain_chain: str,
           progress: FractionProgress | None = None) -> None:
    """Render ``duration`` seconds of ``audio`` from ``start`` as an audiogram MP4 at ``out``.

    ``gain_chain`` is the audio filter that brings the excerpt to the show's loudness;
    ``captions_srt`` is SubRip text already shifted to the clip's start. The file appears
    at ``out`` only when it is complete (a temporary name, then a rename).
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    part = temp_beside(out, ".part.mp4")   # ours alone: deleting it on failure deletes only what ffmpeg wrote
    with tempfile.TemporaryDirectory(prefix="media-pub-clip-") as tmp:
        folder = Path(tmp)
        chars = shape.title[3]
        (folder / "title.txt").write_text("\n".join(textwrap.wrap(title, chars)[:3]), "utf-8")
        if captions_srt:
            (folder / "captions.srt").write_text(captions_srt, "utf-8")
        inputs = ["-loop", "1", "-framerate", str(FPS), "-i", str(image.resolve())] if image else []
        args = [*inputs, "-ss", f"{start:.3f}", "-t", f"{duration:.3f}", "-i", str(audio.resolve()),
                "-filter_complex", _graph(shape, image is not None, gain_chain, bool(captions_srt)),
                "-map", "[v]", "-map", "[out]", "-t", f"{duration:.3f}",
                "-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage", "-crf", "23",
                "-pix_fmt", "yuv420p", "-r", str(FPS), "-c:a", "aac", "-b:a", "128k", "-ar", "44100",
                "-shortest", "-movflags", "+faststart", "-f", "mp4", "-y", str(part.resolve())]
        try:
            ffmpeg.run(args, file=audio, duration=duration, progress=progress, cwd=folder)
            os.replace(part, out)
        finally:
            part.unlink(missing_ok=True)
