"""The only module that runs ffmpeg: find the binary, run it streaming, read its stream facts.

Every run streams: ffmpeg reads and writes files or pipes itself, we only follow its
``-progress`` output and keep the last lines of its log, so memory does not grow with the
length of the media. A non-zero exit becomes an :class:`EncodeError` naming the file and
quoting ffmpeg's last meaningful log line.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any
from dataclasses import dataclass
from pathlib import Path

from media_pub.errors import EncodeError, FatalError, MediaError
from media_pub.model import VideoInfo
from media_pub.progress import FractionProgress

#: Environment variable naming the ffmpeg binary to use instead of imageio-ffmpeg's.
FFMPEG_ENV = "MEDIA_PUB_FFMPEG"

_TAIL = 200   # log lines kept per run: enough for an ebur128 summary, bounded for hours of media

# Lines that only say "it failed" without saying why; the line before them is the reason.
_GENERIC = re.compile(
    r"^(Conversion failed!|Error opening (input|output) files?|Exiting normally"
    r"|Error while (filtering|decoding|opening).*|Nothing was written into output file"
    r"|Terminating thread with return code|Task finished with error code).*",
    re.IGNORECASE,
)
_PREFIX = re.compile(r"^\[[^\]]+ @ 0x[0-9a-f]+\]\s*")


def executable() -> str:
    """The ffmpeg binary: ``$MEDIA_PUB_FFMPEG``, else the one bundled by imageio-ffmpeg."""
    override = os.environ.get(FFMPEG_ENV)
    if override:
        found = shutil.which(override) or (override if Path(override).is_file() else None)
        if not found:
            raise FatalError(f"ffmpeg not found at {override!r}", field=FFMPEG_ENV)
        return found
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as error:
        raise FatalError(f"ffmpeg is missing ({error}); install imageio-ffmpeg "
                         f"or set {FFMPEG_ENV}") from error


@functools.lru_cache(maxsize=8)
def _version_of(exe: str) -> str:
    try:
        out = subprocess.run([exe, "-version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise FatalError(f"cannot run ffmpeg: {error}", file=exe) from error
    return out.splitlines()[0].strip() if out else "unknown"


def version() -> str:
    """ffmpeg's first ``-version`` line, e.g. ``ffmpeg version n9.0.2...`` (cached)."""
    return _version_of(executable())


def fingerprint() -> str:
    """Identify the ffmpeg build without running it (path, size, mtime), for cache keys."""
    exe = Path(executable()).resolve()
    try:
        stat = exe.stat()
    except OSError as error:
        raise FatalError(f"cannot read ffmpeg: {error.strerror}", file=exe) from error
    return f"{exe}:{stat.st_size}:{stat.st_mtime_ns}"


def last_meaningful(lines: Sequence[str]) -> str:
    """The line of an ffmpeg log that says why it failed (not "Conversion failed!")."""
    for line in reversed(lines):
        text = _PREFIX.sub("", line).strip()
        if text and not _GENERIC.match(text) and not text.startswith(("frame=", "size=")):
            return text
    return "ffmpeg failed"


class Run:
    """A running ffmpeg: its log tail is collected by a thread, its progress read on demand.

    Use :func:`start` to make one and :meth:`finish` (or :meth:`kill`) to end it.
    """

    def __init__(self, args: Sequence[str], *, file: str | Path, cwd: Path | None = None,
                 stdin: int | IO[bytes] | None = None, stdout: int | IO[bytes] | None = None,
                 progress: bool = True,
                 on_line: Callable[[str], None] | None = None):
        self.file = file
        self.tail: deque[str] = deque(maxlen=_TAIL)
        self._on_line = on_line
        read_fd: int | None = None
        write_fd: int | None = None
        cmd = [executable(), "-hide_banner", "-nostdin", "-nostats"]
        if progress:
            read_fd, write_fd = os.pipe()
            cmd += ["-progress", f"pipe:{write_fd}"]
        cmd += list(args)
        try:
            self.proc = subprocess.Popen(
                cmd, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                stdout=stdout if stdout is not None else subprocess.DEVNULL,
                stderr=subprocess.PIPE, cwd=cwd, pass_fds=() if write_fd is None else (write_fd,),
            )
        except OSError as error:
            for fd in (read_fd, write_fd):
                if fd is not None:
                    os.close(fd)
            raise FatalError(f"cannot run ffmpeg: {error}", file=cmd[0]) from error
        self._progress = (os.fdopen(read_fd, "r", encoding="utf-8", errors="replace")
                          if read_fd is not None else None)
        if write_fd is not None:
            os.close(write_fd)
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()

    def _read_log(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.tail.append(line)
            if self._on_line:
                self._on_line(line)

    def times(self) -> Iterator[float]:
        """Seconds of output written so far, each time ffmpeg reports progress; ends with the run."""
        if self._progress is None:
            return
        with self._progress:
            for line in self._progress:
                key, _, value = line.strip().partition("=")
                if key == "out_time_us" and value.lstrip("-").isdigit():
                    yield max(0, int(value)) / 1e6

    def finish(self) -> list[str]:
        """Wait for the end; a failure becomes EncodeError naming the file. Returns the log tail."""
        self.proc.wait()
        self._reader.join()
        if self.proc.returncode != 0:
            raise EncodeError(f"ffmpeg failed: {last_meaningful(self.tail)}", file=self.file)
        return list(self.tail)

    def kill(self) -> None:
        """Stop it now (used on Ctrl-C, a failed partner process or a raising callback)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self._progress is not None and not self._progress.closed:
            self._progress.close()
        self._reader.join(timeout=5)


def start(args: Sequence[str], **kwargs: Any) -> Run:
    """Start ffmpeg with ``args`` (after the global options); see :class:`Run`."""
    return Run(args, **kwargs)


def run(args: Sequence[str], *, file: str | Path, duration: float | None = None,
        progress: FractionProgress | None = None, cwd: Path | None = None,
        on_line: Callable[[str], None] | None = None) -> tuple[list[str], float]:
    """Run ffmpeg to the end, reporting the fraction done; return (log tail, seconds written).

    Example: ``run(["-i", "in.wav", "-f", "null", "-"], file="in.wav", duration=60.0)``
    """
    job = start(args, file=file, cwd=cwd, on_line=on_line)
    written = 0.0
    try:
        for written in job.times():
            if progress and duration:
                progress(min(1.0, written / duration))
        tail = job.finish()
    finally:
        job.kill()
    if progress:
        progress(1.0)
    return tail, written


@dataclass(frozen=True)
class StreamInfo:
    """What ffmpeg says about a file's streams (the first video and first audio stream)."""

    duration: float | None          # seconds, from the container header
    audio_codec: str | None
    channels: int | None
    sample_rate: int | None
    video: VideoInfo | None


_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_STREAM = re.compile(r"Stream #\d+:\d+(?:\[\w+\])?(?:\(\w+\))?: (Video|Audio): (\w+)(.*)")
_SIZE = re.compile(r"\b(\d{2,5})x(\d{2,5})\b")
_FPS = re.compile(r"([\d.]+)(k?) fps")
_RATE = re.compile(r"(\d+) Hz")


def _channels(text: str) -> int | None:
    layout = text.split(" Hz, ", 1)[1].split(",", 1)[0].strip() if " Hz, " in text else ""
    named = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "4.0": 4, "5.0": 5, "5.1": 6,
             "5.0(side)": 5, "5.1(side)": 6, "6.1": 7, "7.1": 8}
    if layout in named:
        return named[layout]
    match = re.match(r"(\d+) channels", layout)
    return int(match.group(1)) if match else None


def parse_stream_info(log: str) -> StreamInfo:
    """Parse the stream lines of ``ffmpeg -i FILE`` (its stderr)."""
    duration = None
    if match := _DURATION.search(log):
        h, m, s = match.groups()
        duration = int(h) * 3600 + int(m) * 60 + float(s)
    audio_codec = channels = sample_rate = None
    video = None
    for line in log.splitlines():
        match = _STREAM.search(line)
        if not match:
            continue
        kind, codec, rest = match.groups()
        if kind == "Audio" and audio_codec is None:
            audio_codec = codec
            if rate := _RATE.search(rest):
                sample_rate = int(rate.group(1))
            channels = _channels(rest)
        elif kind == "Video" and video is None and "attached pic" not in rest:
            size = _SIZE.search(rest)
            if not size:
                continue
            fps = _FPS.search(rest)
            fps_value = float(fps.group(1)) * (1000 if fps and fps.group(2) else 1) if fps else None
            pix = rest.split(",")[1].strip().split("(")[0].strip() if rest.count(",") >= 1 else None
            video = VideoInfo(codec=codec, width=int(size.group(1)), height=int(size.group(2)),
                              fps=fps_value, pix_fmt=pix or None)
    return StreamInfo(duration, audio_codec, channels, sample_rate, video)


def stream_info(path: Path) -> StreamInfo:
    """Read a media file's stream facts with ``ffmpeg -i``; MediaError if ffmpeg cannot read it.

    Example: ``stream_info(Path("ep.mp4")).video`` -> ``VideoInfo("h264", 1920, 1080, 25.0, "yuv420p")``
    """
    try:
        done = subprocess.run([executable(), "-hide_banner", "-nostdin", "-i", str(path)],
                              capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise FatalError(f"cannot run ffmpeg: {error}", file=path) from error
    log = done.stderr.decode("utf-8", "replace")
    info = parse_stream_info(log)
    if info.audio_codec is None and info.video is None:
        lines = [line for line in log.splitlines() if "At least one output file" not in line]
        raise MediaError(f"not readable media: {last_meaningful(lines)}", file=path)
    return info
