"""A helper process that runs the NBIS WSQ decoder, so that corrupt data cannot kill the caller.

Protocol on stdin/stdout, all lengths 4-byte big-endian: the parent writes ``length + WSQ``;
the worker answers ``length + payload`` where the payload is ``0 + width + height + pixels`` or
``1 + error text``. The worker exits on end of input; if it dies mid-request (a segfault in C),
the parent sees end of file and reports the image as corrupt.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import threading
from typing import IO, Any

from scomm.ebts.errors import EbtsError

_LEN = 4


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) != size:
        raise EOFError
    return data


def serve(source: IO[bytes], sink: IO[bytes]) -> None:
    importlib.import_module("wsq")
    codec: Any = importlib.import_module("_wsq")
    while True:
        try:
            size = int.from_bytes(_read_exact(source, _LEN), "big")
            data = _read_exact(source, size)
        except EOFError:
            return
        try:
            buf, width, height, _ppi = codec.decompress(data)
            payload = b"\x00" + int(width).to_bytes(_LEN, "big") + int(height).to_bytes(_LEN, "big")
            payload += bytes(buf)
        except Exception as exc:
            payload = b"\x01" + str(exc).encode("utf-8", "replace")
        sink.write(len(payload).to_bytes(_LEN, "big") + payload)
        sink.flush()


class IsolatedDecoder:
    """One long-lived worker process, restarted after a crash; safe to share between threads."""

    def __init__(self, command: list[str] | None = None) -> None:
        self._command = command or [sys.executable, "-m", "scomm.ebts.wsq_worker"]
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def decode(self, data: bytes) -> tuple[bytes, int, int]:
        with self._lock:
            process = self._running()
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(len(data).to_bytes(_LEN, "big") + data)
                process.stdin.flush()
                size = int.from_bytes(_read_exact(process.stdout, _LEN), "big")
                payload = _read_exact(process.stdout, size)
            except (EOFError, OSError):
                self._stop()
                raise EbtsError(
                    "the WSQ decoder crashed on this data: the image is corrupt"
                ) from None
        if payload[:1] != b"\x00":
            raise EbtsError(f"cannot decode WSQ data: {payload[1:].decode('utf-8', 'replace')}")
        width = int.from_bytes(payload[1 : 1 + _LEN], "big")
        height = int.from_bytes(payload[1 + _LEN : 1 + 2 * _LEN], "big")
        return payload[1 + 2 * _LEN :], width, height

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                self._command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # NBIS prints its complaints; the error says enough
            )
        return self._process

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def close(self) -> None:
        """End the worker (it exits when its input closes)."""
        with self._lock:
            process, self._process = self._process, None
            if process is None:
                return
            if process.stdin is not None:
                process.stdin.close()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
