"""Find the ffmpeg binary: MEDIA_PUB_FFMPEG, else the one imageio-ffmpeg ships."""

from __future__ import annotations

import os
import shutil
from functools import lru_cache

from media_pub.errors import FatalError


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    override = os.environ.get("MEDIA_PUB_FFMPEG")
    if override:
        found = shutil.which(override)
        if not found:
            raise FatalError(f"MEDIA_PUB_FFMPEG={override} is not an executable")
        return found
    try:
        import imageio_ffmpeg  # noqa: PLC0415

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as error:
        raise FatalError(f"ffmpeg not found ({error}); install imageio-ffmpeg or set MEDIA_PUB_FFMPEG") from None
