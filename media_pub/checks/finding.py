"""A finding: one broken rule, how bad, where, what is wrong and how to fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"        # a directory rejects or misreads it
    WARNING = "warning"    # accepted, but unwise


@dataclass(frozen=True)
class Finding:
    """One broken rule: which, how bad, where, what is wrong and how to fix it."""

    rule: str
    severity: Severity
    element: str
    message: str
    fix: str
    file: str | None = None   # the feed, when several are checked together (check_build)
    feed: str | None = None   # ``feed:element`` when file and element name the TOML file and key

    def line(self) -> str:
        """``SEVERITY rule [file:]element: message (fix: ...)``, the CLI's one line."""
        where = f"{self.file}:{self.element}" if self.file else self.element
        return f"{self.severity.value.upper()} {self.rule} {where}: {self.message} (fix: {self.fix})"

    def to_dict(self) -> dict[str, str | None]:
        data = asdict(self)
        data["severity"] = self.severity.value
        if data["feed"] is None:
            del data["feed"]   # only findings re-pointed at a TOML key carry it
        return data


def read_source(source: bytes | Path) -> bytes:
    return source.read_bytes() if isinstance(source, Path) else bytes(source)

