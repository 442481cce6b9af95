"""Prepare an import's chunks in a second process while this one writes them: a large file uses two cores.

Reading and converting a row costs about as much as writing it, and the two do not depend on each other
until the write: so for a large file a worker process reads the file itself (by its path, in the encoding
the importer detected), prepares each chunk exactly as `prepare.ChunkPreparer` does in-process, and hands
it over through a pipe, while the importer resolves, inserts and commits the previous one. Anything the
worker raises ends the import with its reason (see ChunkWorker).
"""

from __future__ import annotations

import gc
import io
import os
import pickle
import queue
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO
from zoneinfo import ZoneInfo

from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

from hotdash.store.ingest.files.chunks import DictRows, Rows
from hotdash.store.ingest.files.formats import FileFormat, FileProblem, read_csv, read_ndjson
from hotdash.store.ingest.files.prepare import ChunkPreparer, Prepared
from hotdash.store.ingest.specs import SPECS
from hotdash.store.ingest.writer import stored_forms

# Below this size the ~0.5 s a spawned process takes to start costs more than the second core saves.
MIN_PARALLEL_BYTES = 8 << 20
FIRST_CHUNK_ROWS = 2_000


def file_path(binary: IO[bytes]) -> Path | None:
    """The path of a regular file `binary` reads, if it has one (an upload in memory has none)."""
    name = getattr(binary, "name", None)
    if not isinstance(name, str):
        return None
    path = Path(name).resolve()  # the worker gets it as an argument: absolute, whatever its directory
    return path if path.is_file() else None


def big_enough(path: Path) -> bool:
    return path.stat().st_size >= MIN_PARALLEL_BYTES


_collections_lock = threading.Lock()
_collections_users = 0
_collections_before: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect garbage less often meanwhile: an import allocates millions of small acyclic objects."""
    # The default (700 allocations) runs the young collection every few rows and a full one every ~70,000
    # allocations, which walks every live object; chunks are freed by reference counting anyway. The setting
    # is the process's: two imports at once (web requests) share it, and the last one out restores it.
    global _collections_users, _collections_before
    with _collections_lock:
        if _collections_users == 0:
            _collections_before = gc.get_threshold()
            gc.set_threshold(100_000, 50, 100)
        _collections_users += 1
    try:
        yield
    finally:
        with _collections_lock:
            _collections_users -= 1
            if _collections_users == 0:
                gc.set_threshold(*_collections_before)


def _rows(binary: IO[bytes], encoding: str, fmt: FileFormat) -> tuple[IO[str], Rows]:
    # The same text stream `formats.open_text` gives the importer, so both read the same rows.
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    if fmt == "csv":
        _header, _delimiter, rows = read_csv(text)
        return text, rows
    return text, DictRows(read_ndjson(text))


def work(arguments: list[str], out: IO[bytes]) -> None:
    """The worker's side: prepare every chunk of the file and write each, pickled, to `out`."""
    path, encoding, fmt, entity, timezone, size, dialect_name = arguments
    if fmt not in ("csv", "ndjson"):
        raise ValueError(f"a worker reads CSV or NDJSON, not {fmt}")
    try:
        binary = Path(path).open("rb")  # noqa: SIM115 - closed with its text wrapper below
        text, rows = _rows(binary, encoding, fmt)  # type: ignore[arg-type]
        with text, fewer_collections():
            preparer = ChunkPreparer(entity, ZoneInfo(timezone))
            # SQLite stores timestamps and money as text and floats converted one by one: done here too.
            dialect = SQLiteDialect_pysqlite() if dialect_name == "sqlite" else None
            table = SPECS[entity].table
            # A short first chunk, then growing ones: the importer idles while it waits for the first.
            for chunk in rows.chunks(int(size), first=min(int(size), FIRST_CHUNK_ROWS), keep_lines=True):
                prepared = preparer.prepare(chunk)
                if dialect is not None:
                    prepared.stored = stored_forms(dialect, table, prepared.columns)
                prepared.position = binary.tell()
                prepared.chunk = prepared.chunk.lean()
                _send(out, ("chunk", prepared))
        _send(out, ("done", None))
    except Exception as error:  # every failure must reach the importer, with its reason
        _send(out, ("failed", f"{type(error).__name__}: {error}\n{traceback.format_exc()}"))


def _send(out: IO[bytes], message: tuple[str, object]) -> None:
    # Pickled whole first, then written: the importer then waits only for the copy through the pipe,
    # never for the pickling, which it would if the pickler wrote into the pipe as it went.
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(data).to_bytes(8, "big"))
    out.write(data)
    out.flush()


def _receive(stream: IO[bytes]) -> tuple[str, object]:
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError
    size = int.from_bytes(head, "big")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    message: tuple[str, object] = pickle.loads(data)  # noqa: S301 - our own child process, through a pipe
    return message


class ChunkWorker:
    """The prepared chunks of a file, read in another process; use as a context manager, then iterate.

    The worker is a new interpreter (`python -m hotdash.store.ingest.files.worker`), never a fork: the web
    app has threads (scheduler, server), and a forked copy of a threaded process can inherit a lock one of
    them held. It writes pickled chunks to its stdout, and a thread of this process reads one chunk ahead
    (`_Receiver`): the worker blocks once it is a chunk ahead of that, so memory stays flat. A worker that
    dies ends its pipe: noticed at once.
    """

    def __init__(
        self,
        *,
        path: Path,
        encoding: str,
        fmt: FileFormat,
        entity: str,
        timezone: str,
        size: int,
        dialect: str,
    ) -> None:
        self._arguments = [str(path), encoding, fmt, entity, timezone, str(size), dialect]
        self._process: subprocess.Popen[bytes] | None = None
        self._receiver: _Receiver | None = None
        # Its stderr, read only to say why it died; a file, so a long traceback cannot block it.
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__

    def __enter__(self) -> ChunkWorker:
        # The worker imports HotDash from exactly where this process does.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            [sys.executable, "-m", "hotdash.store.ingest.files.worker", *self._arguments],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            env=env,
        )
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        process = self._process
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
            # The kill ended the pipe, so a read the receiver has in progress returns (at its end).
            if self._receiver is not None:
                self._receiver.stop()
            if process.stdout is not None:
                process.stdout.close()
        self._errors.close()

    def __iter__(self) -> Iterator[Prepared]:
        process = self._process
        assert process is not None, "use the worker in a with block"
        receiver = _Receiver(process.stdout)
        self._receiver = receiver
        while True:
            message = receiver.next()
            if isinstance(message, EOFError):
                code = process.wait(timeout=30)
                self._errors.seek(0)
                last = self._errors.read().decode("utf-8", "replace").strip().splitlines()[-1:]
                why = f": {last[0]}" if last else ""
                raise FileProblem(f"the process reading the file stopped (exit code {code}){why}") from None
            if isinstance(message, BaseException):
                raise message
            kind, payload = message
            if kind == "done":
                return
            if kind == "failed":
                reason, _, trace = str(payload).partition("\n")
                raise FileProblem(f"reading the file failed: {reason}") from RuntimeError(trace)
            assert isinstance(payload, Prepared)
            yield payload


class _Receiver:
    """Reads and unpickles the worker's next message in a thread while the importer writes the last one.

    Unpickling a chunk is about a tenth of the importer's time per row, and the importer spends most of the
    rest inside SQLite, which lets other threads run. One message is read ahead, no more: this process holds
    the chunk being written and the next one, and the worker prepares the one after.
    """

    def __init__(self, stream: IO[bytes] | None) -> None:
        assert stream is not None
        self._stream = stream
        self._wanted = threading.Semaphore(1)  # released each time the importer takes a message
        self._messages: queue.Queue[tuple[str, object] | BaseException] = queue.Queue()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="import-chunks", daemon=True)
        self._thread.start()

    def next(self) -> tuple[str, object] | BaseException:
        message = self._messages.get()
        self._wanted.release()
        return message

    def _run(self) -> None:
        while not self._stopped.is_set():
            if not self._wanted.acquire(timeout=0.1):
                continue
            try:
                message: tuple[str, object] | BaseException = _receive(self._stream)
            except BaseException as error:  # handed to the importer, which raises it
                message = error
            self._messages.put(message)
            if not isinstance(message, tuple) or message[0] != "chunk":
                return

    def stop(self) -> None:
        """Stop reading; call after the worker's pipe is closed, so a read in progress returns."""
        self._stopped.set()
        self._thread.join(timeout=30)


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
