"""Settings: where the data lives, which database, which station. No Qt here."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app.errors import BadInput, DataDirUnwritable

APP_NAME = "ReturnBench"
DATA_DIR_ENV = "RETURNBENCH_DATA_DIR"
DB_ENV = "RETURNBENCH_DB"
STATION_ENV = "RETURNBENCH_STATION"
CAMERA_ENV = "RETURNBENCH_CAMERA"
PRINTER_ENV = "RETURNBENCH_PRINTER"
SCAN_GAP_ENV = "RETURNBENCH_SCAN_GAP_MS"  # keys closer than this (ms) are a scanner's burst
SCAN_PREFIX_ENV = "RETURNBENCH_SCAN_PREFIX"
SCAN_SUFFIX_ENV = "RETURNBENCH_SCAN_SUFFIX"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    db_url: str
    station: str
    photo_root: Path
    camera: str | None = None  # device index, folder of images, or video file
    printer: str | None = None  # cups:QUEUE, tcp:HOST[:PORT] or file:FOLDER
    scan_gap_ms: float = 30.0
    scan_prefix: str = ""
    scan_suffix: str = ""

    @property
    def default_printer(self) -> str:
        """Until a printer is set, labels go to a folder in the data dir (nothing lost)."""
        return self.printer or f"file:{self.data_dir / 'labels'}"

    @property
    def uses_default_db(self) -> bool:
        return self.db_url == default_db_url(self.data_dir)


def default_data_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'returnbench.db'}"


def load_settings(db_url: str | None = None, station: str | None = None,
                  camera: str | None = None, printer: str | None = None) -> Settings:
    data_dir = default_data_dir()
    name = (station or os.environ.get(STATION_ENV) or socket.gethostname()[:40]).strip()
    if not name or len(name) > 40 or not name.isprintable():
        raise BadInput(f"Station name {name[:60]!r}: 1 to 40 printable characters "
                       "(--station or RETURNBENCH_STATION)")
    return Settings(
        data_dir=data_dir,
        db_url=db_url or os.environ.get(DB_ENV) or default_db_url(data_dir),
        station=name,
        photo_root=data_dir / "photos",
        camera=camera or os.environ.get(CAMERA_ENV) or None,
        printer=printer or os.environ.get(PRINTER_ENV) or None,
        scan_gap_ms=_gap(os.environ.get(SCAN_GAP_ENV)),
        scan_prefix=os.environ.get(SCAN_PREFIX_ENV, ""),
        scan_suffix=os.environ.get(SCAN_SUFFIX_ENV, ""),
    )


def _gap(text: str | None) -> float:
    """The scanner's key gap; 0 turns burst detection off (a scanner configured with a
    prefix and suffix is still recognised by them)."""
    try:
        value = float(text) if text else 30.0
    except ValueError:
        return 30.0
    return value if value == 0 or 1.0 <= value <= 200.0 else 30.0


def ensure_data_dir(settings: Settings) -> None:
    """Create the data dir and prove it is writable, with a message that says what to do."""
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # A probe of this process's own: two apps starting on one folder at once must
        # not remove each other's.
        probe = settings.data_dir / f".write-test-{os.getpid()}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise DataDirUnwritable(
            f"Cannot write to the data folder {settings.data_dir} ({exc.strerror}). "
            f"Fix its permissions or set {DATA_DIR_ENV} to another folder."
        ) from exc
