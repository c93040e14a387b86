"""EBU R128 loudness: measure a file, and normalise + encode it in one streaming pass.

The recipe (the issue's benchmark explains why):

1. **Measure once, cheaply.** ffmpeg's ``ebur128`` meter (about 8x faster than a ``loudnorm``
   analysis pass) on the source, after the same downmix the delivery uses. Mono is measured
   as dual-mono, so a -16 LUFS target reads -16 on a player that plays mono on both speakers.
2. **Encode once.** A linear gain followed by a look-ahead limiter set a margin *below* the
   true-peak ceiling: dynamics are kept. Only when linear gain would need heavy limiting (or
   the measured LRA exceeds an explicit ``lra`` target) is ffmpeg's dynamic ``loudnorm`` used.
3. **Verify the delivered bytes, while encoding.** The encoder's packets are teed to a second
   ffmpeg that decodes them and meters loudness and true peak (plus the waveform peaks for
   the player), so the check runs on the other core and costs almost no wall time. Lossy
   encoders overshoot, so the ceiling is held on the delivered file: a miss re-encodes with
   a corrected gain or a tighter limiter.
"""

from __future__ import annotations

import math
import re
import struct
import subprocess
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from media_pub.progress import FractionProgress
from media_pub.errors import EncodeError, MediaError
from media_pub.media import ffmpeg
from media_pub.model import Delivery, DeliveryFormat, Loudness


#: First-try headroom between the limiter's sample-peak ceiling and the true-peak ceiling:
#: room for inter-sample peaks and lossy-encoder overshoot (STANDARDS 4: -1.5..-2 dBTP).
TP_MARGIN = 1.0
#: Gain reduction the limiter may do on the loudest peaks before we call it a squash and
#: let loudnorm's dynamic mode ride the gain instead.
MAX_LINEAR_LIMITING = 9.0
#: Aim: delivered integrated loudness within this of the target (the promise is 1 LU).
TOLERANCE = 0.5
PROMISE = 1.0
#: Below this ebur128 gates everything out: there is nothing to normalise.
SILENCE_LUFS = -69.9
#: Long episodes are calibrated on an excerpt of this many seconds before the full encode;
#: shorter ones are simply re-encoded if the verified result misses.
CALIBRATION = 40.0
CALIBRATE_FROM = 180.0
CROSSFADE = 0.5      # seconds of crossfade between a jingle and the episode
PEAK_BINS = 1000     # waveform values returned for the player
_PEAK_WINDOW = 4410  # samples per raw peak value while verifying (0.1 s at 44.1 kHz)
_ATTEMPTS = 3

_NUMBER = r"(-?(?:\d+(?:\.\d+)?|inf))"
_PEAK_LEVEL = re.compile(r"Peak_level=" + _NUMBER)


@dataclass(frozen=True)
class LoudnessPlan:
    """How one encode changes the loudness."""

    mode: str           # linear | dynamic
    gain: float         # dB applied to the episode (linear), 0 in dynamic mode
    margin: float       # dB between the limiter ceiling and the true-peak ceiling


@dataclass(frozen=True)
class Encoded:
    """What :func:`encode` delivered, measured on the encoded bytes."""

    loudness: Loudness
    normalization: str                  # linear | dynamic
    decoded_seconds: float              # audio seconds the verifier decoded
    peaks: tuple[float, ...]            # 0..1 waveform (linear amplitude, PEAK_BINS values)
    chapter_offset: float = 0.0         # seconds the intro moved the episode's start
    attempts: int = 1


def _parse_summary(lines: Sequence[str], file: Path | str) -> Loudness:
    """The last ebur128 summary in an ffmpeg log."""
    start = max((i for i, line in enumerate(lines) if "Summary:" in line), default=None)
    if start is None:
        raise EncodeError("ffmpeg printed no loudness summary (no audio decoded?)", file=file)
    found: dict[str, float] = {}
    for line in lines[start:]:
        text = line.strip()
        for label, key in (("I:", "i"), ("Threshold:", "thresh"), ("LRA:", "lra"), ("Peak:", "peak")):
            if text.startswith(label) and key not in found:
                match = re.search(_NUMBER, text[len(label):])
                if match:
                    found[key] = float(match.group(1))
    if "i" not in found:
        raise EncodeError("could not read ffmpeg's loudness summary", file=file)
    return Loudness(integrated=found["i"], true_peak=found.get("peak", -math.inf),
                    lra=found.get("lra", 0.0), threshold=found.get("thresh", -70.0))


def _meter(true_peak: bool) -> str:
    return f"ebur128=peak={'true' if true_peak else 'sample'}:framelog=verbose:dualmono=true"


def layout_for(source_channels: int | None, delivery: Delivery) -> str:
    """The delivered channel layout: the show's ``channels``, else the source's (at most 2)."""
    channels = delivery.channels or source_channels or 2
    return "mono" if channels == 1 else "stereo"


def _shape(layout: str) -> str:
    """The channel conversion, in float so a downmix cannot clip; measure and encode share it
    so the measured loudness is the loudness of what gets encoded."""
    return f"aformat=sample_fmts=flt,aformat=channel_layouts={layout}"


def _excerpt_args(excerpt: tuple[float, float] | None) -> list[str]:
    return ["-ss", f"{excerpt[0]:.3f}", "-t", f"{excerpt[1]:.3f}"] if excerpt else []


def _measure(path: Path, layout: str | None, *, true_peak: bool,
             progress: FractionProgress | None, duration: float | None,
             excerpt: tuple[float, float] | None = None) -> tuple[Loudness, float]:
    chain = (_shape(layout) + "," if layout else "") + _meter(true_peak)
    tail, decoded = ffmpeg.run(
        _excerpt_args(excerpt)
        + ["-i", str(path), "-map", "0:a:0", "-vn", "-sn", "-dn", "-af", chain, "-f", "null", "-"],
        file=path, duration=duration, progress=progress)
    return _parse_summary(tail, path), decoded


def measure(path: Path, progress: FractionProgress | None = None, *,
            channels: int | None = None, true_peak: bool = True,
            excerpt: tuple[float, float] | None = None) -> Loudness:
    """Measure integrated loudness, true peak, LRA and gating threshold (EBU R128).

    ``channels=1`` measures the mono downmix (as delivery with ``channels = 1`` would);
    mono audio is measured as dual-mono. ``true_peak=False`` reports the sample peak,
    which is several times faster. ``excerpt`` = (start, seconds) measures only that part.

    Example: ``measure(Path("ep.wav")).integrated`` -> ``-23.4``
    """
    info = ffmpeg.stream_info(path)
    if info.audio_codec is None:
        raise MediaError("has no audio stream", file=path, field="media")
    layout = "mono" if channels == 1 else "stereo" if channels == 2 else None
    loudness, _ = _measure(path, layout, true_peak=true_peak, progress=progress,
                           duration=excerpt[1] if excerpt else info.duration, excerpt=excerpt)
    return loudness


def is_silent(loudness: Loudness) -> bool:
    return loudness.integrated <= SILENCE_LUFS or loudness.true_peak == -math.inf


def plan_for(measured: Loudness, delivery: Delivery, margin: float = TP_MARGIN) -> LoudnessPlan:
    """Linear gain + limiter when that keeps the dynamics, else dynamic loudnorm."""
    gain = delivery.loudness - measured.integrated
    limiting = measured.true_peak + gain - (delivery.true_peak - margin)
    too_wide = delivery.lra is not None and measured.lra > delivery.lra
    if too_wide or limiting > MAX_LINEAR_LIMITING:
        return LoudnessPlan("dynamic", 0.0, margin)
    return LoudnessPlan("linear", gain, margin)


@dataclass(frozen=True)
class _Part:
    path: Path
    loudness: Loudness
    duration: float


def _jingle(path: Path, layout: str, field: str) -> _Part:
    info = ffmpeg.stream_info(path)
    if info.audio_codec is None or not info.duration:
        raise MediaError("has no audio stream", file=path, field=field)
    loudness, decoded = _measure(path, layout, true_peak=False, progress=None, duration=None)
    if is_silent(loudness):
        raise EncodeError("the jingle is silent", file=path, field=field)
    return _Part(path, loudness, decoded or info.duration)


def _graph(parts: list[tuple[int, float, float]], layout: str, delivery: Delivery,
           plan: LoudnessPlan, main: Loudness) -> str:
    """The filter graph: per-part gain, crossfades, then limiter or loudnorm -> [a]."""
    rate = delivery.sample_rate
    limit = delivery.true_peak - plan.margin       # dBFS ceiling for the sample-peak limiter
    chains, labels = [], []
    for n, (index, gain, _) in enumerate(parts):
        pre = gain - limit if plan.mode == "linear" else gain
        chains.append(f"[{index}:a:0]{_shape(layout)},aresample={rate},"
                      f"volume={pre:.4f}dB:precision=float[p{n}]")
        labels.append(f"p{n}")
    current = labels[0]
    for n in range(1, len(labels)):
        fade = min(CROSSFADE, parts[n - 1][2] / 2, parts[n][2] / 2)
        chains.append(f"[{current}][{labels[n]}]acrossfade=d={fade:.3f}:c1=tri:c2=tri[x{n}]")
        current = f"x{n}"
    if plan.mode == "linear":
        tail = _limiter(limit)
    else:
        lra = max(delivery.lra or 11.0, 1.0)
        tail = (f"loudnorm=I={delivery.loudness}:TP={limit:.2f}:LRA={lra}"
                f":measured_I={main.integrated}:measured_TP={min(main.true_peak, 99):.2f}"
                f":measured_LRA={main.lra}:measured_thresh={main.threshold}"
                f":linear=false:print_format=none,aresample={rate}")
    chains.append(f"[{current}]{tail}[a]")
    return ";".join(chains)


def _limiter(limit: float) -> str:
    # The limiter works at 0 dBFS on a signal pre-scaled by -limit, so any ceiling works
    # (alimiter's own limit cannot go below -24 dB).
    return f"alimiter=limit=1:level=0:latency=1:attack=5:release=50,volume={limit:.4f}dB"


def linear_chain(measured: Loudness, delivery: Delivery, layout: str = "stereo",
                 margin: float = TP_MARGIN) -> str:
    """An audio filter that brings a measured excerpt to the delivery loudness: linear gain and
    the delivery limiter below its true-peak ceiling (the linear plan of a full delivery).

    For short excerpts such as clips; a whole episode goes through :func:`encode`.
    """
    limit = delivery.true_peak - margin
    gain = delivery.loudness - measured.integrated
    return (f"{_shape(layout)},aresample={delivery.sample_rate},"
            f"volume={gain - limit:.4f}dB:precision=float,{_limiter(limit)}")


def _calibrate(source: Path, out: Path, layout: str, delivery: Delivery, plan: LoudnessPlan,
               measured: Loudness, video_codec: str | None, duration: float) -> LoudnessPlan:
    """Encode an excerpt through the real chain and make up what the limiter and codec take.

    A look-ahead limiter that catches many peaks, and a lossy encoder that drops the top
    octave, both lower the integrated loudness a little (0.2-0.6 LU on speech at 128k MP3).
    Measuring that on CALIBRATION seconds costs a few percent of the full encode and saves
    a second full encode.
    """
    start = max(0.0, duration * 0.4 - CALIBRATION / 2)
    excerpt = (start, CALIBRATION)
    before, _ = _measure(source, layout, true_peak=False, progress=None, duration=None,
                         excerpt=excerpt)
    if is_silent(before):
        return plan
    trial = _encode_once(source, out, delivery, plan, layout, measured, (None, None), video_codec,
                         CALIBRATION, None, excerpt=excerpt)
    loss = before.integrated + plan.gain - trial.loudness.integrated
    over = trial.loudness.true_peak - delivery.true_peak
    margin = plan.margin + (over + 0.3 if over > 0 else 0.0)
    if abs(loss) < 0.1 and over <= 0:
        return plan
    # More gain makes the limiter work a little harder: 1.2x makes up most of that second bite.
    gain = plan.gain + (1.2 * loss if loss > 0 else loss)
    if measured.true_peak + gain - (delivery.true_peak - margin) > MAX_LINEAR_LIMITING:
        return LoudnessPlan("dynamic", 0.0, margin)
    return LoudnessPlan("linear", gain, margin)


def _codec_args(delivery: Delivery, video_codec: str | None) -> list[str]:
    args = ["-ar", str(delivery.sample_rate), "-b:a", delivery.bitrate]
    if delivery.format is DeliveryFormat.MP3:
        return ["-c:a", "libmp3lame"] + args
    args = ["-c:a", "aac"] + args
    if delivery.format is DeliveryFormat.MP4 and video_codec is not None:
        if video_codec == "h264":
            args += ["-c:v", "copy"]
        else:
            args += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "fast", "-crf", "20"]
    return args


def _tee(delivery: Delivery, out_name: str) -> tuple[str, str]:
    """(tee muxer spec, format the verifier reads from the pipe)."""
    if delivery.format is DeliveryFormat.MP3:
        return f"[f=mp3:id3v2_version=0]{out_name}|[f=mp3]pipe\\:1", "mp3"
    return f"[f=mp4:movflags=+faststart]{out_name}|[select=a:f=adts]pipe\\:1", "aac"


def _reduce_peaks(raw: array[float]) -> tuple[float, ...]:
    if not raw:
        return ()
    bins = min(PEAK_BINS, len(raw))
    out = []
    for n in range(bins):
        level = max(raw[n * len(raw) // bins:(n + 1) * len(raw) // bins])
        out.append(round(min(1.0, 10 ** (level / 20)) if level > -200 else 0.0, 4))
    return tuple(out)


def _encode_once(source: Path, out: Path, delivery: Delivery, plan: LoudnessPlan, layout: str,
                 main: Loudness, jingles: tuple[_Part | None, _Part | None], video_codec: str | None,
                 duration: float | None, progress: FractionProgress | None,
                 excerpt: tuple[float, float] | None = None) -> Encoded:
    intro, outro = jingles
    inputs: list[str] = []
    parts: list[tuple[int, float, float]] = []
    target = delivery.loudness if plan.mode == "linear" else main.integrated

    def add(path: Path, options: Sequence[str] = ()) -> int:
        inputs.extend([*options, "-i", str(path)])
        return sum(1 for arg in inputs if arg == "-i") - 1

    if intro:
        parts.append((add(intro.path), target - intro.loudness.integrated, intro.duration))
    main_index = add(source, _excerpt_args(excerpt))
    parts.append((main_index, plan.gain, duration or 0.0))
    if outro:
        parts.append((add(outro.path), target - outro.loudness.integrated, outro.duration))

    maps = ["-map", "[a]"]
    if video_codec is not None:
        maps = ["-map", f"{main_index}:v:0"] + maps
    tee, pipe_format = _tee(delivery, out.name)
    args = (inputs + ["-filter_complex", _graph(parts, layout, delivery, plan, main)] + maps
            + ["-map_metadata", "-1", "-map_chapters", "-1"] + _codec_args(delivery, video_codec)
            + ["-f", "tee", tee])
    raw = array("f")

    def on_line(line: str) -> None:
        if match := _PEAK_LEVEL.search(line):
            raw.append(max(-300.0, float(match.group(1))))

    chain = (f"asetnsamples=n={_PEAK_WINDOW}:p=0,astats=metadata=1:reset=1:measure_perchannel=none"
             f":measure_overall=Peak_level,ametadata=mode=print:key=lavfi.astats.Overall.Peak_level,"
             + _meter(true_peak=True))
    encoder = ffmpeg.start(args, file=source, cwd=out.parent, stdout=subprocess.PIPE)
    verifier = None
    try:
        verifier = ffmpeg.start(["-f", pipe_format, "-i", "pipe:0", "-af", chain, "-f", "null", "-"],
                                file=out, stdin=encoder.proc.stdout, progress=False, on_line=on_line)
        if encoder.proc.stdout is not None:
            encoder.proc.stdout.close()   # the verifier owns the read end now
        total = (duration or 0.0) + (intro.duration if intro else 0) + (outro.duration if outro else 0)
        for seconds in encoder.times():
            if progress and total:
                progress(min(1.0, seconds / total))
        encoder.finish()
        tail = verifier.finish()
        decoded = len(raw) * _PEAK_WINDOW / delivery.sample_rate
    finally:
        encoder.kill()
        if verifier is not None:
            verifier.kill()
    loudness = _parse_summary(tail, out)
    offset = max(0.0, intro.duration - min(CROSSFADE, intro.duration / 2, (duration or 0) / 2)) \
        if intro else 0.0
    return Encoded(loudness, plan.mode, decoded, _reduce_peaks(raw), offset)


def _riff_truncated(path: Path) -> bool:
    """A WAV whose RIFF header promises more bytes than the file has (ffmpeg only warns)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(12)
    except OSError:
        return False
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return False
    (declared,) = struct.unpack("<I", head[4:8])
    return bool(0 < declared < 0xFFFFFFF0 and declared + 8 > path.stat().st_size)


def encode(source: Path, out: Path, delivery: Delivery, *,
           progress: FractionProgress | None = None) -> Encoded:
    """Normalise ``source`` to the delivery's loudness targets and encode it to ``out``.

    ``out`` is written in place (the caller writes to a temporary name and renames).
    Raises MediaError for input with no audio, EncodeError for silent, corrupt or
    truncated input and for output that misses its targets after corrective re-encodes.

    Example: ``encode(Path("ep.wav"), Path("ep.part.mp3"), Delivery()).loudness.integrated``
    """
    info = ffmpeg.stream_info(source)
    if info.audio_codec is None:
        raise MediaError("has no audio stream", file=source, field="media")
    video_codec = info.video.codec if (info.video and delivery.format is DeliveryFormat.MP4) else None
    if delivery.format is DeliveryFormat.MP4 and video_codec is None:
        raise MediaError("has no video stream, but the show delivers mp4 video", file=source,
                         field="media")
    if _riff_truncated(source):
        raise EncodeError("truncated: the WAV header promises more audio than the file holds",
                          file=source, field="media")
    layout = layout_for(info.channels, delivery)
    report: FractionProgress = progress or (lambda fraction: None)
    measured, decoded = _measure(source, layout, true_peak=False, duration=info.duration,
                                 progress=lambda f: report(0.1 * f))
    if info.duration and decoded < info.duration * 0.9 - 0.5:
        raise EncodeError(f"truncated or corrupt: decoded {decoded:.1f} s of the "
                          f"{info.duration:.1f} s its header promises", file=source, field="media")
    if is_silent(measured):
        if decoded < 0.4:   # EBU R128 gates in 400 ms blocks: a shorter clip has no loudness
            raise EncodeError(f"too short to measure its loudness ({decoded:.2f} s; at least 0.4 s)",
                              file=source, field="media")
        raise EncodeError("the audio is silent (nothing to normalise); refusing to deliver it",
                          file=source, field="media")
    jingles: tuple[_Part | None, _Part | None] = (None, None)
    if video_codec is None:   # jingles are stitched into audio shows only
        jingles = (_jingle(delivery.intro, layout, "intro") if delivery.intro else None,
                   _jingle(delivery.outro, layout, "outro") if delivery.outro else None)
    plan = plan_for(measured, delivery)
    if plan.mode == "linear" and not jingles[0] and not jingles[1] and \
            info.duration is not None and info.duration >= CALIBRATE_FROM:
        plan = _calibrate(source, out, layout, delivery, plan, measured, video_codec, info.duration)
    work = delivery      # dynamic retries aim a corrected target; the goal stays `delivery`
    result = None
    for attempt in range(1, _ATTEMPTS + 1):
        base = 0.1 + 0.9 * (attempt - 1) / _ATTEMPTS

        def scaled(fraction: float, base: float = base) -> None:
            report(base + (1 - base) * fraction)
        result = replace(_encode_once(source, out, work, plan, layout, measured, jingles,
                                      video_codec, info.duration, scaled),
                         attempts=attempt)
        error = result.loudness.integrated - delivery.loudness
        over = result.loudness.true_peak - delivery.true_peak
        if over <= 0 and abs(error) <= TOLERANCE:
            break
        # Correct what missed: a tighter limiter for peaks, a gain change for loudness.
        margin = plan.margin + (over + 0.3 if over > 0 else 0.0)
        if plan.mode == "linear":
            gain = plan.gain - error if abs(error) > TOLERANCE else plan.gain
            limiting = measured.true_peak + gain - (delivery.true_peak - margin)
            plan = LoudnessPlan("linear", gain, margin) if limiting <= MAX_LINEAR_LIMITING \
                else LoudnessPlan("dynamic", 0.0, margin)
        else:
            plan = LoudnessPlan("dynamic", 0.0, margin)
            if abs(error) > TOLERANCE:
                work = replace(work, loudness=work.loudness - error)
    assert result is not None
    error = result.loudness.integrated - delivery.loudness
    over = result.loudness.true_peak - delivery.true_peak
    if over > 0 or abs(error) > PROMISE:
        raise EncodeError(
            f"delivered at {result.loudness.integrated:.1f} LUFS / {result.loudness.true_peak:.1f} dBTP "
            f"after {result.attempts} encodes; target {delivery.loudness:.1f} LUFS, "
            f"ceiling {delivery.true_peak:.1f} dBTP", file=source, field="media")
    return result
