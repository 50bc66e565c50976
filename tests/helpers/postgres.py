"""A real PostgreSQL server for the test run: initdb and pg_ctl in a temp dir."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailable(Exception):
    pass


def _bindir() -> Path:
    pg_config = shutil.which("pg_config")
    candidates = []
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "postgres").exists():
            return Path(c)
    raise PostgresUnavailable("no PostgreSQL server binaries (initdb, postgres) found")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    root: Path
    bindir: Path
    port: int
    run_as: str | None
    durable: bool = False  # fsync on: for benchmarks, so commits cost what they cost

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    def url(self, database: str) -> str:
        return (f"postgresql+psycopg://postgres@/{database}"
                f"?host={self.socket_dir}&port={self.port}")

    def _cmd(self, *args: str) -> list[str]:
        if self.run_as:
            return ["runuser", "-u", self.run_as, "--", *args]
        return list(args)

    def psql(self, sql: str, database: str = "postgres") -> str:
        out = subprocess.run(
            self._cmd(str(self.bindir / "psql"), "-h", str(self.socket_dir), "-p",
                      str(self.port), "-U", "postgres", "-d", database, "-v",
                      "ON_ERROR_STOP=1", "-Atc", sql),
            capture_output=True, text=True, check=True)
        return out.stdout

    def create_database(self, name: str) -> str:
        self.psql(f'DROP DATABASE IF EXISTS "{name}"')
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self, mode: str = "immediate") -> None:
        """`immediate` at the end of the run; `fast` for a restart mid-test (what a service
        restart does: clients cut off, committed data kept; the test server runs with
        fsync and synchronous_commit off, so an immediate stop may lose recent commits)."""
        subprocess.run(self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"),
                                 "-m", mode, "-w", "stop"), capture_output=True)

    def destroy(self) -> None:
        """Stop the server and remove its files (a scale run leaves gigabytes)."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.socket_dir} -c listen_addresses='' -c max_connections=200"
        if not self.durable:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            # No autovacuum for the tests: its ANALYZE of a worker's tiny tables, run when
            # earlier tests happened to commit enough, flipped the plans the plan tests
            # read (a nested loop over whole tiny tables; seen twice in CI runs).
            opts += " -c autovacuum=off"
        result = subprocess.run(
            self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-o", opts,
                      "-l", str(self.root / "log"), "-w", "-t", "30", "start"),
            capture_output=True, text=True)
        if result.returncode != 0:
            log = (self.root / "log").read_text() if (self.root / "log").exists() else ""
            raise PostgresUnavailable(f"pg_ctl start failed: {result.stderr} {log[-500:]}")


def start_server(durable: bool = False, keep: Path | None = None) -> PostgresServer:
    """A new server in a temp dir; or, with `keep`, the server whose files are kept there
    (made on first use, started again on later ones: the benchmarks' scale databases)."""
    bindir = _bindir()
    run_as = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise PostgresUnavailable("running as root and there is no postgres user") from exc
        run_as = "postgres"
    if keep is not None and (keep / "data" / "PG_VERSION").exists():
        server = PostgresServer(root=keep, bindir=bindir, port=_free_port(), run_as=run_as,
                                durable=durable)
        server.stop()  # a run killed mid-way left it running on its old port
        server.start()
        return server
    if keep is not None:
        shutil.rmtree(keep, ignore_errors=True)
        keep.mkdir(parents=True)
    root = keep if keep is not None else Path(tempfile.mkdtemp(prefix="rb-pg-"))
    (root / "sock").mkdir()
    if run_as:
        shutil.chown(root, run_as)
        shutil.chown(root / "sock", run_as)
    result = subprocess.run(
        ([ "runuser", "-u", run_as, "--"] if run_as else [])
        + [str(bindir / "initdb"), "-D", str(root / "data"), "-U", "postgres",
           "-A", "trust", "-E", "UTF8", "--no-sync"],
        capture_output=True, text=True)
    if result.returncode != 0:
        raise PostgresUnavailable(f"initdb failed: {result.stderr.strip()[:300]}")
    server = PostgresServer(root=root, bindir=bindir, port=_free_port(), run_as=run_as,
                            durable=durable)
    server.start()
    return server
