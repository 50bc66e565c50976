"""Printer back ends: the system queue (CUPS `lp`), a raw TCP 9100 socket for network
thermal printers, and a folder. A printer that is off or unreachable raises
PrinterUnavailable with a message for the bench; the job stays queued."""

from __future__ import annotations

import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from app.errors import BadInput, EnvironmentFault

PRINT_TIMEOUT_S = 5.0


class PrinterUnavailable(EnvironmentFault):
    """The printer is off, unreachable or refused the job."""


class Printer(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def format(self) -> str:
        """"pdf" or "zpl": what this printer takes."""
        ...

    def send(self, payload: bytes, title: str) -> str:
        """Send one job; returns the printer's job reference."""
        ...


@dataclass
class CupsPrinter:
    """A queue of the system's print service (CUPS on Linux), PDF in, `lp` to submit."""

    queue: str
    media: str = "Custom.4x6in"
    format: str = "pdf"

    @property
    def name(self) -> str:
        return f"System printer {self.queue}"

    def send(self, payload: bytes, title: str) -> str:
        lp = shutil.which("lp")
        if lp is None:
            raise PrinterUnavailable(f"{self.name}: the print service (CUPS) is not "
                                     "installed on this station; the label is queued.")
        try:
            done = subprocess.run([lp, "-d", self.queue, "-o", f"media={self.media}",
                                   "-t", title], input=payload, capture_output=True,
                                  timeout=PRINT_TIMEOUT_S * 3)
        except subprocess.TimeoutExpired as exc:
            raise PrinterUnavailable(f"{self.name} did not answer; the label is "
                                     "queued and will print when it is back.") from exc
        if done.returncode != 0:
            reason = done.stderr.decode(errors="replace").strip().splitlines()
            raise PrinterUnavailable(f"{self.name} refused the label "
                                     f"({reason[-1] if reason else 'no reason given'}); it "
                                     "is queued and will print when the printer is back.")
        out = done.stdout.decode(errors="replace").strip()
        return out.split("request id is ")[-1].split(" ")[0] if "request id" in out else out


@dataclass
class RawTcpPrinter:
    """A network thermal printer on raw TCP (JetDirect, port 9100), ZPL in."""

    host: str
    port: int = 9100
    format: str = "zpl"

    @property
    def name(self) -> str:
        return f"Thermal printer {self.host}:{self.port}"

    def send(self, payload: bytes, title: str) -> str:
        try:
            with socket.create_connection((self.host, self.port),
                                          timeout=PRINT_TIMEOUT_S) as conn:
                conn.sendall(payload)
                conn.shutdown(socket.SHUT_WR)
        except OSError as exc:
            raise PrinterUnavailable(f"{self.name} is offline ({exc.strerror or exc}): the "
                                     "label is queued and will print when it is back.") from exc
        return f"{len(payload)} bytes"


@dataclass
class FilePrinter:
    """Writes each job to a folder (for a shared drop folder, or when no printer is set)."""

    folder: Path
    format: str = "pdf"

    @property
    def name(self) -> str:
        return f"Folder {self.folder}"

    def send(self, payload: bytes, title: str) -> str:
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in title)[:80]
        path = self.folder / f"{safe}.{self.format}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_bytes(payload)
            tmp.replace(path)
        except OSError as exc:
            raise PrinterUnavailable(f"Cannot write to {self.folder} ({exc.strerror}); the "
                                     "label is queued.") from exc
        return str(path)


def printer_from_setting(spec: str) -> Printer:
    """`cups:QUEUE`, `tcp:HOST[:PORT]`, `file:FOLDER[:zpl]`."""
    kind, _, rest = spec.partition(":")
    if kind == "cups" and rest:
        return CupsPrinter(rest)
    if kind == "tcp" and rest:
        host, _, port = rest.partition(":")
        if port and not port.isdigit():
            raise BadInput(f"Printer {spec!r}: the port must be a number.")
        return RawTcpPrinter(host, int(port or 9100))
    if kind == "file" and rest:
        folder, _, fmt = rest.rpartition(":") if rest.endswith((":zpl", ":pdf")) else \
            (rest, "", "pdf")
        return FilePrinter(Path(folder), fmt or "pdf")
    raise BadInput(f"Printer {spec!r}: use cups:QUEUE, tcp:HOST[:PORT] or file:FOLDER.")
