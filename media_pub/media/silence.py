"""The only pydub import: find long pauses in an episode's audio.

pydub's ``silence.detect_silence`` works on samples in memory, so the audio is first
decoded by ffmpeg (media/ffmpeg.py, the one process runner) to 8 kHz mono 16-bit PCM:
an hour is then about 58 MB, and one RMS per 10 ms step (``seek_step=10``) is cheap.
The threshold is relative to the episode's own level (16 dB below its average, as
STANDARDS 9.7 suggests), since pydub's default of -16 dBFS is louder than most speech.
pydub is pointed at the same ffmpeg binary for anything it would run itself.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Any

from media_pub.errors import MediaError
from media_pub.media import ffmpeg
from media_pub.progress import FractionProgress

RATE = 8000           # Hz: enough to tell speech from silence
STEP_MS = 10
BELOW_AVERAGE_DB = 16.0


def _pydub() -> tuple[Any, Any]:
    with warnings.catch_warnings():
        # pydub warns at import when no ffmpeg is on PATH; it is given the bundled one below.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)   # audioop, until Python 3.13 (audioop-lts)
        from pydub import AudioSegment, silence
    AudioSegment.converter = ffmpeg.executable()
    return AudioSegment, silence


def long_pauses(path: Path, *, min_seconds: float, duration: float | None = None,
                progress: FractionProgress | None = None) -> list[tuple[float, float]]:
    """(start, end) in seconds of every pause of at least ``min_seconds`` in ``path``.

    Example: ``long_pauses(Path("ep.mp3"), min_seconds=2.0)`` -> ``[(12.31, 15.02)]``
    """
    segment_type, silence = _pydub()
    with tempfile.TemporaryDirectory(prefix="media-pub-silence-") as tmp:
        raw = Path(tmp) / "audio.pcm"
        ffmpeg.run(["-i", str(path), "-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", "1", "-ar", str(RATE),
                    "-f", "s16le", "-c:a", "pcm_s16le", str(raw)],
                   file=path, duration=duration, progress=progress)
        data = raw.read_bytes()
    if not data:
        raise MediaError("has no audio to look for pauses in", path, "media")
    audio = segment_type(data=data, sample_width=2, frame_rate=RATE, channels=1)
    if audio.dBFS == float("-inf"):
        return []
    found = silence.detect_silence(audio, min_silence_len=round(min_seconds * 1000),
                                   silence_thresh=audio.dBFS - BELOW_AVERAGE_DB, seek_step=STEP_MS)
    return [(start / 1000, end / 1000) for start, end in found]
