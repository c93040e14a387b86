"""Progress as data: the one shape of every progress callback in media-pub.

A long job reports ``progress(item, fraction)``: ``item`` names what moved (a
``show/episode`` key, or :data:`UPLOAD` for the bytes of a publish) and ``fraction`` is how
much of that item is done, from 0.0 to 1.0. A worker that does one item reports a
:data:`FractionProgress` (the fraction alone), which its caller binds to the item's name.
Callbacks come from one thread at a time; one that raises stops the job, which is how
Ctrl-C during a build stops every encoder.

Example::

    def show(item: str, fraction: float) -> None:
        print(f"{item}: {fraction:.0%}")

    build(settings, progress=show)
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["FractionProgress", "Progress", "UPLOAD"]

Progress = Callable[[str, float], None]
FractionProgress = Callable[[float], None]

#: The item a publish reports its bytes as: ``progress(UPLOAD, bytes_sent / bytes_total)``.
UPLOAD = "upload"
