"""Reading what a process writes to a pseudo-terminal (for tests of what a person sees)."""

from __future__ import annotations

import os
import re
import select
import subprocess
import time


def read_terminal(terminal: int, process: subprocess.Popen[bytes], seconds: float, until: str | None = None) -> str:
    """What ``process`` wrote to ``terminal`` within ``seconds``: up to the first match of
    ``until``, or (without it) until the terminal closes or the process ends."""
    output = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (until and re.search(until, output.decode(errors="replace"))):
        ready, _, _ = select.select([terminal], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:      # the terminal closed: the process is done
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    return output.decode(errors="replace")
