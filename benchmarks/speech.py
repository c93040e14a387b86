"""Generate long speech-like WAV files for the benchmarks (espeak-ng dialogue, looped)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import imageio_ffmpeg

TEXT = (
    "Welcome back to the programme. Today we are talking about trauma, harm, and what it "
    "means to repair the damage that has been done. If there is trauma, there will have been "
    "harm, and that harm has to be acknowledged before anything else can happen. So let us "
    "start at the beginning. How did you come to this work? Well, it was never a straight "
    "line. I trained as a clinical psychologist, and for many years I worked in secure "
    "hospitals, with people who had done terrible things, and who had very often had "
    "terrible things done to them. That is the part that people do not like to hear."
)


def make_speech(path: Path, minutes: float) -> Path:
    """A stereo 44.1 kHz WAV of two synthetic voices talking, levels apart, over a noise floor.

    The two voices sit 6 dB apart so the loudness range is speech-like; a pink noise
    floor at about -60 dBFS keeps the pauses from being digital silence.
    """
    if not shutil.which("espeak-ng"):
        raise SystemExit("espeak-ng is needed to make speech-like audio")
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    with tempfile.TemporaryDirectory() as tmp:
        host, guest, dialogue = (Path(tmp) / name for name in ("host.wav", "guest.wav", "d.wav"))
        subprocess.run(["espeak-ng", "-v", "en+m3", "-s", "160", "-w", str(host), TEXT], check=True)
        subprocess.run(["espeak-ng", "-v", "en+f3", "-s", "170", "-p", "60", "-w", str(guest), TEXT],
                       check=True)
        subprocess.run([ffmpeg, "-v", "error", "-y", "-i", str(host), "-i", str(guest),
                        "-filter_complex",
                        "[0:a]volume=-9dB[h];[1:a]volume=-3dB[g];[h][g]concat=n=2:v=0:a=1,"
                        "aresample=44100,pan=stereo|c0=c0|c1=0.9*c0",
                        "-c:a", "pcm_s16le", str(dialogue)], check=True)
        subprocess.run([ffmpeg, "-v", "error", "-y", "-stream_loop", "-1", "-i", str(dialogue),
                        "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.001:sample_rate=44100",
                        "-filter_complex", "[1:a]aformat=channel_layouts=stereo[n];"
                        "[0:a][n]amix=inputs=2:duration=first:normalize=0",
                        "-t", str(minutes * 60), "-c:a", "pcm_s16le", str(path)], check=True)
    return path
