"""Upload inspection under a time and memory budget.

Parsing a hostile PDF or DOCX can take minutes or gigabytes (recursive
page trees, huge object streams, decompression bombs that slip past the
cheap checks). The parse runs in a forked child with an address-space
limit; the parent waits at most the time budget and then kills it. The
child only reads the staged file and sends back the result: it never
touches the database or the blob store.

The child also dies with its parent. A forked child holds copies of the
parent's sockets, database connections included: a child orphaned by a
killed web worker would keep the worker's open transaction, and its locks,
alive for as long as it lived (found when a test killed a gunicorn worker
mid-extraction and the orphan, blocked writing its result to a pipe nobody
read, held a lock that stalled the suite).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
import time
from pathlib import Path

from app.documents.extraction import (
    Extracted,
    inspect_upload,
    needs_parser,
)
from app.errors import BadUpload, DomainError, UnsupportedFileType

_ERRORS = {"BadUpload": BadUpload, "UnsupportedFileType": UnsupportedFileType}


def _(message: str) -> str:  # marks a message for the catalogue; translated when shown
    return message


def page_budget(base_s: float, per_page_s: float, cap_s: float, pages: int) -> float:
    """Time to read a file of ``pages`` pages: a long manual gets more time
    than a leaflet, and no file more than ``cap_s``."""
    return max(base_s, min(cap_s, base_s + per_page_s * max(pages, 0)))


def _address_space_bytes() -> int:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int, timeout_s: float) -> None:
    """SIGKILL when the parent dies (Linux), and in any case an alarm a
    little after the parent would have given up waiting."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the alarm below still ends the child
    signal.alarm(int(timeout_s) + 5)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _child(
    conn,
    parent_pid: int,
    timeout_s: float,
    path: str,
    filename: str,
    max_unpacked_bytes: int,
    memory_bytes: int,
) -> None:
    _die_with_parent(parent_pid, timeout_s)
    try:
        used = _address_space_bytes()
        if used:
            limit = used + memory_bytes
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        result = inspect_upload(
            path,
            filename,
            max_unpacked_bytes=max_unpacked_bytes,
            on_pages=lambda pages: conn.send(("pages", pages)),
        )
        conn.send(("ok", result))
    except DomainError as exc:
        conn.send(("error", (type(exc).__name__, exc.msgid, exc.params, getattr(exc, "code", None))))
    except MemoryError:
        conn.send(("memory", None))
    except RecursionError:
        conn.send(("error", ("BadUpload", _("the file is nested too deeply to read"), {}, "unreadable_file")))
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad file, named to the user
        conn.send(
            (
                "error",
                (
                    "BadUpload",
                    _("the file cannot be read (%(reason)s)"),
                    {"reason": type(exc).__name__},
                    "unreadable_file",
                ),
            )
        )
    finally:
        conn.close()


# Plain text and Markdown up to this size are read in the calling process:
# decoding and normalising them is linear in a size this small, while a fork
# of a web worker costs more than the read itself (issue 20, ~15 ms an upload).
INLINE_TEXT_BYTES = 1024 * 1024


def _small_text(path) -> bool:
    """Small, and not a format whose parser needs the child's limits. Whether
    it decodes as text ``inspect_upload`` finds out, reading it once."""
    try:
        if os.path.getsize(path) > INLINE_TEXT_BYTES:
            return False
        return not needs_parser(Path(path).read_bytes())
    except OSError:
        return False  # the child reads it and reports what is wrong


def inspect_bounded(
    path,
    filename: str,
    *,
    max_unpacked_bytes: int,
    timeout_s: float,
    memory_mb: int,
    per_page_s: float = 0.0,
    max_timeout_s: float | None = None,
) -> Extracted:
    """``inspect_upload`` in a child process; BadUpload when over budget.

    The time budget is ``timeout_s``, plus ``per_page_s`` for each page once
    the reader has counted a PDF's pages, and never more than ``max_timeout_s``.
    """
    if _small_text(path):
        return inspect_upload(path, filename, max_unpacked_bytes=max_unpacked_bytes)
    cap_s = max(max_timeout_s or timeout_s, timeout_s)
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_child,
        daemon=True,
        args=(sender, os.getpid(), cap_s, str(path), filename, max_unpacked_bytes, memory_mb * 1024 * 1024),
    )
    started = time.monotonic()
    process.start()
    sender.close()
    budget_s = timeout_s
    try:
        while True:
            if not receiver.poll(max(0.0, started + budget_s - time.monotonic())):
                raise BadUpload(
                    _("the file could not be read within %(seconds)s s; it is too complex or malformed"),
                    code="extraction_timeout",
                    seconds=f"{budget_s:g}",
                )
            try:
                kind, payload = receiver.recv()
            except (EOFError, OSError):
                process.join(5)
                raise BadUpload(
                    _("the file could not be read: the reader stopped (exit code %(exit_code)s)"),
                    code="unreadable_file",
                    exit_code=process.exitcode,
                ) from None
            if kind != "pages":
                break
            budget_s = page_budget(timeout_s, per_page_s, cap_s, payload)
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()
    if kind == "ok":
        return payload
    if kind == "memory":
        raise BadUpload(
            _("the file needs more than %(limit)s MB of memory to read"),
            code="extraction_memory",
            limit=memory_mb,
        )
    name, message, params, code = payload
    if name == "BadUpload":
        raise BadUpload(message, code=code or "bad_upload", **params)
    raise _ERRORS.get(name, BadUpload)(message, **params)
