"""Loudness normalisation with the real ffmpeg, checked by ffmpeg's own ebur128 meter.

Every delivered file is measured here by invoking ffmpeg's ebur128 filter directly (not
through media_pub.media.loudness), so the check is independent of the code under test.
"""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

import pytest

from media_factory import FFMPEG, make_audio, make_video
from media_pub.media import loudness as audio
from media_pub.media import ffmpeg
from media_pub.errors import EncodeError, MediaError
from media_pub.model import Delivery, DeliveryFormat


def meter(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) by ffmpeg's ebur128; mono read as dual-mono."""
    log = subprocess.run(
        [FFMPEG, "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a:0",
         "-af", "ebur128=peak=true:dualmono=true:framelog=verbose", "-f", "null", "-"],
        capture_output=True, text=True, check=True).stderr
    summary = log[log.rindex("Summary:"):]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    return integrated, peak


def speechlike(path: Path, seconds: float = 6.0, *, volume_db: float = -30.0, channels: int = 2,
               clip: bool = False) -> Path:
    """Band-limited noise with a syllable-rate envelope and pauses (speech-like crest factor).

    ``clip`` drives it 12 dB into 16-bit full scale, so the peaks are flat-topped.
    """
    drive = "volume=12dB," if clip else ""
    layout = "mono" if channels == 1 else "stereo"
    subprocess.run(
        [FFMPEG, "-v", "error", "-y", "-f", "lavfi",
         "-i", f"anoisesrc=color=pink:amplitude=0.5:sample_rate=44100:duration={seconds}:seed=3",
         "-af", f"highpass=f=100,lowpass=f=6000,"
                f"volume='0.1+0.9*abs(sin(2*PI*3*t))*gt(sin(2*PI*0.4*t),-0.5)':eval=frame,"
                f"volume={volume_db}dB,{drive}aformat=channel_layouts={layout}",
         "-c:a", "pcm_s16le", str(path)], check=True)
    return path


def stream_line(path: Path) -> str:
    return subprocess.run([FFMPEG, "-hide_banner", "-i", str(path)], capture_output=True,
                          text=True).stderr


def test_measure_reads_a_known_tone(tmp_path):
    # BS.1770 calibration: a 997 Hz sine at 0 dBFS in one channel reads -3.01 LUFS, so the
    # same sine peaking at -20 dBFS in both channels reads -20 LUFS.
    tone = tmp_path / "tone.wav"
    wave = "0.1*sin(2*PI*997*t)"
    subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i",
                    f"aevalsrc={wave}|{wave}:s=48000:d=3", "-c:a", "pcm_s24le", str(tone)], check=True)
    loudness = audio.measure(tone)
    assert loudness.integrated == pytest.approx(-20, abs=0.5)
    assert loudness.true_peak == pytest.approx(-20, abs=0.3)


@pytest.mark.slow
@pytest.mark.parametrize("case, fmt, channels, out_channels", [
    ("quiet", "mp3", 2, None),       # about -40 LUFS: needs +24 dB of gain
    ("clipped", "m4a", 2, None),     # flat-topped at full scale, far too loud: needs a cut
    ("mono", "mp3", 1, None),        # mono stays mono, measured as dual-mono
    ("loud", "mp3", 2, 1),           # loud and clipped stereo downmixed to mono for speech
])
def test_delivered_loudness_meets_target(tmp_path, case, fmt, channels, out_channels):
    volume = {"quiet": -14.0, "clipped": 12.0, "mono": -22.0, "loud": 14.0}[case]
    source = speechlike(tmp_path / f"{case}.wav", volume_db=volume, channels=channels,
                        clip=case in ("clipped", "loud"))
    before, _ = meter(source)
    delivery = Delivery(format=DeliveryFormat(fmt), channels=out_channels)
    out = tmp_path / f"out.{fmt}"
    result = audio.encode(source, out, delivery)

    integrated, peak = meter(out)
    assert abs(before - delivery.loudness) > 4, "the source should start far from target"
    assert integrated == pytest.approx(-16.0, abs=1.0)
    assert peak <= -1.0
    assert result.normalization in ("linear", "dynamic")
    expected_channels = "mono" if (out_channels or channels) == 1 else "stereo"
    assert f"44100 Hz, {expected_channels}" in stream_line(out)
    # What we report about the delivered file is what the independent meter reads.
    assert result.loudness.integrated == pytest.approx(integrated, abs=0.15)


def test_linear_gain_keeps_dynamics_when_it_can(tmp_path):
    source = speechlike(tmp_path / "s.wav", volume_db=-30)
    result = audio.encode(source, tmp_path / "o.mp3", Delivery())
    assert result.normalization == "linear"
    assert result.peaks and all(0.0 <= value <= 1.0 for value in result.peaks)
    # Waveform peaks are of the delivered audio: never above the ceiling, and not flat.
    assert max(result.peaks) <= 10 ** (-1 / 20)
    assert min(result.peaks) < 0.5 * max(result.peaks)


@pytest.mark.slow
def test_dynamic_loudnorm_only_when_linear_cannot_meet_the_targets(tmp_path):
    # A loudness-range target below the source's LRA cannot be met by a linear gain.
    source = speechlike(tmp_path / "wide.wav", 12, volume_db=-20)
    delivery = Delivery(lra=1.0)
    result = audio.encode(source, tmp_path / "o.mp3", delivery)
    assert result.normalization == "dynamic"
    integrated, peak = meter(tmp_path / "o.mp3")
    assert integrated == pytest.approx(-16.0, abs=1.0)
    assert peak <= -1.0
    # The same source with no LRA target keeps its dynamics.
    assert audio.encode(source, tmp_path / "o2.mp3", Delivery()).normalization == "linear"


def test_silent_input_is_refused_by_name(tmp_path):
    silence = tmp_path / "silence.wav"
    subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo",
                    "-t", "2", str(silence)], check=True)
    with pytest.raises(EncodeError) as caught:
        audio.encode(silence, tmp_path / "o.mp3", Delivery())
    assert "silent" in str(caught.value) and str(silence) in str(caught.value)
    assert not (tmp_path / "o.mp3").exists()


def test_zero_length_and_corrupt_input_name_the_file(tmp_path):
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"RIFF" + bytes(range(256)) * 40)
    for bad in (empty, garbage):
        with pytest.raises((MediaError, EncodeError)) as caught:
            audio.encode(bad, tmp_path / "o.mp3", Delivery())
        assert str(bad) in str(caught.value)


def test_truncated_wav_is_refused(tmp_path):
    whole = make_audio(tmp_path / "whole.wav", 4)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    with pytest.raises(EncodeError, match="truncated"):
        audio.encode(cut, tmp_path / "o.mp3", Delivery())


def _top_level_boxes(path: Path) -> list[bytes]:
    data, boxes, at = path.read_bytes(), [], 0
    while at + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        boxes.append(kind)
        at += size if size else len(data)
    return boxes


@pytest.mark.slow
@pytest.mark.parametrize("codec", ["libx264", "mpeg4"])
def test_video_keeps_h264_and_size_and_normalises_audio(tmp_path, codec):
    source = make_video(tmp_path / f"film-{codec}.mp4", 3, size="320x180", codec=codec,
                        volume_db=-35)
    out = tmp_path / "out.mp4"
    audio.encode(source, out, Delivery(format=DeliveryFormat.MP4))
    info = ffmpeg.stream_info(out)
    assert info.video is not None
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", 320, 180)
    if codec == "libx264":   # copied, not re-encoded: identical video bytes per packet
        def video_hash(path):
            return subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-map", "0:v",
                                   "-c", "copy", "-f", "md5", "-"],
                                  capture_output=True, text=True, check=True).stdout
        assert video_hash(out) == video_hash(source)
    boxes = _top_level_boxes(out)
    assert boxes.index(b"moov") < boxes.index(b"mdat")
    integrated, peak = meter(out)
    assert integrated == pytest.approx(-16.0, abs=1.0)
    assert peak <= -1.0


def test_probe_loudness_reports_lufs_true_peak_and_lra(tmp_path):
    import json

    from click.testing import CliRunner

    from media_pub.cli import cli

    source = speechlike(tmp_path / "ep.wav", 4, volume_db=-10)
    integrated, peak = meter(source)
    result = CliRunner().invoke(cli, ["probe", "--json", "--loudness", str(source)])
    assert result.exit_code == 0, result.output
    loudness = json.loads(result.stdout)["loudness"]
    assert loudness["integrated"] == pytest.approx(integrated, abs=0.1)
    assert loudness["true_peak"] == pytest.approx(peak, abs=0.1)
    assert loudness["lra"] >= 0
    text = CliRunner().invoke(cli, ["probe", "--loudness", str(source)]).output
    assert f"loudness     {integrated:.1f} LUFS, true peak {peak:.1f} dBTP" in text
    assert "LUFS" not in CliRunner().invoke(cli, ["probe", str(source)]).output


def test_a_clip_too_short_to_measure_says_so(tmp_path, media):
    from media_pub.media.loudness import encode
    from media_pub.errors import EncodeError
    from media_pub.model import Delivery

    clip = media.audio(tmp_path / "blip.wav", 0.25)
    with pytest.raises(EncodeError, match="too short to measure its loudness"):
        encode(clip, tmp_path / "out.mp3", Delivery())
