"""Outside tools, one module each: ffmpeg, mutagen (probe, tags), Pillow (images), the R128 recipe."""
