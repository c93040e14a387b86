"""Make small real media with the bundled ffmpeg, for tests and benchmarks."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()

_AUDIO_CODECS = {
    ".mp3": ["-c:a", "libmp3lame", "-b:a", "96k"],
    ".m4a": ["-c:a", "aac", "-b:a", "96k"],
    ".wav": ["-c:a", "pcm_s16le"],
    ".flac": ["-c:a", "flac"],
    ".ogg": ["-c:a", "libvorbis"],
    ".opus": ["-c:a", "libopus", "-b:a", "48k"],
}


def make_audio(
    path: Path,
    seconds: float = 2.0,
    *,
    frequency: float = 440.0,
    volume_db: float = -20.0,
    channels: int = 2,
    sample_rate: int = 44100,
    metadata: dict[str, str] | None = None,
) -> Path:
    """A sine tone at ``volume_db`` (dBFS peak) of ``seconds``; the codec follows the suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    source = f"sine=frequency={frequency}:sample_rate={sample_rate}:duration={seconds}"
    chain = f"volume={volume_db}dB,aformat=channel_layouts={'mono' if channels == 1 else 'stereo'}"
    cmd = [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", source, "-af", chain]
    for key, value in (metadata or {}).items():
        cmd += ["-metadata", f"{key}={value}"]
    cmd += _AUDIO_CODECS[path.suffix.lower()] + [str(path)]
    subprocess.run(cmd, check=True)
    return path


def make_video(
    path: Path,
    seconds: float = 2.0,
    *,
    size: str = "320x180",
    codec: str = "libx264",
    volume_db: float = -25.0,
) -> Path:
    """A test pattern with a tone: H.264 (or ``codec``) video, AAC audio, in MP4."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        FFMPEG, "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=44100:duration={seconds}",
        "-af", f"volume={volume_db}dB",
        "-c:v", codec, "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
        "-shortest", str(path),
    ]
    subprocess.run(cmd, check=True)
    return path


def make_image(path: Path, size: int = 1400, colour: str = "0x336699") -> Path:
    """A square JPEG or PNG (by suffix) of one colour."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", f"color=c={colour}:s={size}x{size}",
           "-frames:v", "1", str(path)]
    subprocess.run(cmd, check=True)
    return path


def make_speech(path: Path, sections: list[str], *, pause: float = 3.0, voice: str = "en-gb",
                words_per_minute: int = 160) -> list[tuple[float, float]]:
    """Real synthetic speech: espeak-ng reads each section, with ``pause`` seconds of silence
    between sections; the codec follows the suffix. Returns each pause's (start, end) in seconds."""
    import tempfile
    import wave

    path.parent.mkdir(parents=True, exist_ok=True)
    frames: list[bytes] = []
    pauses: list[tuple[float, float]] = []
    rate = width = 0
    position = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for index, text in enumerate(sections):
            part = Path(tmp) / f"{index}.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(part), text],
                           check=True)
            with wave.open(str(part), "rb") as source:
                rate, width = source.getframerate(), source.getsampwidth()
                data = source.readframes(source.getnframes())
            if index:
                pauses.append((position, position + pause))
                frames.append(b"\0" * (round(pause * rate) * width))
                position += pause
            frames.append(data)
            position += len(data) / width / rate
        joined = Path(tmp) / "speech.wav"
        with wave.open(str(joined), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(width)
            out.setframerate(rate)
            out.writeframes(b"".join(frames))
        codec = _AUDIO_CODECS[path.suffix.lower()]
        subprocess.run([FFMPEG, "-v", "error", "-y", "-i", str(joined), "-ar", "44100", *codec, str(path)],
                       check=True)
    return pauses
