"""Short good/bad sounds for scans. Tones are generated once as WAV files and played by the
system's player (PulseAudio/PipeWire/ALSA) without blocking; with no player, the X bell."""

from __future__ import annotations

import math
import shutil
import struct
import wave
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QProcess
from PySide6.QtWidgets import QApplication

PLAYERS = ("paplay", "pw-play", "aplay")


class Sounds(Protocol):
    def good(self) -> None: ...
    def bad(self) -> None: ...


def _tone(path: Path, notes: list[tuple[float, float]], rate: int = 22050) -> None:
    frames = bytearray()
    for freq, seconds in notes:
        for i in range(int(rate * seconds)):
            fade = min(1.0, i / 200, (rate * seconds - i) / 200)
            frames += struct.pack("<h", int(12000 * fade * math.sin(2 * math.pi * freq * i / rate)))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))


class SystemSounds:
    def __init__(self, cache_dir: Path) -> None:
        self._player = next((p for p in PLAYERS if shutil.which(p)), None)
        self._good = cache_dir / "scan-good.wav"
        self._bad = cache_dir / "scan-bad.wav"
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            if not self._good.exists():
                _tone(self._good, [(1760.0, 0.08)])
            if not self._bad.exists():
                _tone(self._bad, [(220.0, 0.18), (180.0, 0.22)])
        except OSError:
            self._player = None

    def _play(self, path: Path) -> None:
        if self._player is None or not QProcess.startDetached(self._player, [str(path)])[0]:
            QApplication.beep()

    def good(self) -> None:
        self._play(self._good)

    def bad(self) -> None:
        self._play(self._bad)


class SilentSounds:
    """For tests: remembers what would have sounded."""

    def __init__(self) -> None:
        self.played: list[str] = []

    def good(self) -> None:
        self.played.append("good")

    def bad(self) -> None:
        self.played.append("bad")
