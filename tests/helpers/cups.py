"""A real CUPS print queue with the cups-pdf printer, started for the test run if needed."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

QUEUE = "ReturnBenchPDF"


class CupsUnavailable(Exception):
    pass


def _scheduler_running() -> bool:
    out = subprocess.run(["lpstat", "-r"], capture_output=True, text=True)
    return "is running" in out.stdout and "not" not in out.stdout


def ensure_queue() -> str:
    """The cups-pdf queue's name; starts cupsd and adds the printer when allowed to."""
    for tool in ("lp", "lpstat", "lpadmin"):
        if shutil.which(tool) is None:
            raise CupsUnavailable(f"{tool} not found (Debian: cups cups-bsd)")
    if not Path("/usr/lib/cups/backend/cups-pdf").exists():
        raise CupsUnavailable("the cups-pdf backend is not installed (printer-driver-cups-pdf)")
    if not _scheduler_running():
        if os.geteuid() != 0 or not Path("/usr/sbin/cupsd").exists():
            raise CupsUnavailable("the CUPS scheduler is not running")
        subprocess.run(["/usr/sbin/cupsd"], check=True)
        deadline = time.monotonic() + 15
        while not _scheduler_running():
            if time.monotonic() > deadline:
                raise CupsUnavailable("cupsd did not start")
            time.sleep(0.2)
    listed = subprocess.run(["lpstat", "-p", QUEUE], capture_output=True, text=True)
    if listed.returncode != 0:
        added = subprocess.run(["lpadmin", "-p", QUEUE, "-v", "cups-pdf:/", "-E", "-m",
                                "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"],
                               capture_output=True, text=True)
        if added.returncode != 0:
            raise CupsUnavailable(f"lpadmin failed: {added.stderr.strip()}")
    return QUEUE


def output_dir() -> Path:
    """Where cups-pdf writes jobs of this user (its home from the password file)."""
    return Path(pwd.getpwuid(os.getuid()).pw_dir) / "PDF"


def wait_for_output(title: str, timeout: float = 30.0, since: float | None = None) -> Path:
    """The file cups-pdf wrote for a job titled `title`: the newest one written at or
    after `since` (a wall-clock time taken before printing), so a file an earlier run
    left behind (a run killed before it cleaned up) is never taken for this one."""
    since = time.time() - timeout if since is None else since
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in output_dir().glob(f"{title}*.pdf")
                 if p.stat().st_mtime >= since - 1] if output_dir().exists() else []
        found.sort(key=lambda p: p.stat().st_mtime)
        if found and found[-1].stat().st_size > 0:
            time.sleep(0.2)  # let cups-pdf finish writing
            return found[-1]
        time.sleep(0.2)
    raise TimeoutError(f"cups-pdf wrote no file for {title!r} in {output_dir()}")
