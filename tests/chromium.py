"""A minimal headless-Chromium driver for tests: the DevTools protocol over a pipe.

``load_page(path)`` opens a local file in Debian's Chromium (``--remote-debugging-pipe``: JSON
messages separated by NUL bytes on file descriptors 3 and 4, no websocket, no extra package),
records console errors, uncaught exceptions, log errors and failed or non-local requests until
the load event, and returns them with a PNG screenshot.  Flags as this machine needs them
(no sandbox as root, no background networking: the network is closed).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
]


def chromium_path() -> str | None:
    """The Chromium binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageLoad:
    """What happened while a page loaded."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    screenshot: bytes = b""


class _Pipe:
    def __init__(self, proc, write_fd: int, read_fd: int) -> None:
        self.proc, self.w, self.r = proc, write_fd, read_fd
        self.buffer = b""
        self.next_id = 0

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def read(self, deadline: float) -> dict:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.r], [], [], max(left, 0.0))
            if not ready:
                raise TimeoutError("no answer from chromium in time")
            chunk = os.read(self.r, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)


def load_page(path: Path, *, width: int = 1200, height: int = 2400, timeout: float = 60.0):
    """Load ``path`` (a local HTML file) in headless Chromium; see the module docstring."""
    binary = chromium_path()
    if binary is None:
        raise FileNotFoundError("chromium not installed")
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()
    profile = tempfile.mkdtemp(prefix="mrio-chromium-")

    # the protocol lives on fds 3 (commands in) and 4 (answers out): a tiny trampoline moves
    # the pipes there and execs chromium (sh cannot name fds above 9)
    command = [binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"]
    trampoline = (
        "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
        "os.execv(sys.argv[3], sys.argv[3:])"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", trampoline, str(to_child_r), str(from_child_w), *command],
        pass_fds=(to_child_r, from_child_w),
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("MRIO_CHROMIUM_LOG", os.devnull), "wb"),  # noqa: SIM115
    )
    os.close(to_child_r)
    os.close(from_child_w)
    pipe = _Pipe(proc, to_child_w, from_child_r)
    result = PageLoad()
    deadline = time.monotonic() + timeout
    try:
        pipe.send("Target.createTarget", {"url": "about:blank"})
        target = None
        while target is None:
            msg = pipe.read(deadline)
            target = msg.get("result", {}).get("targetId")
        pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        session = None
        while session is None:
            msg = pipe.read(deadline)
            session = msg.get("result", {}).get("sessionId")
        for domain in ("Page", "Runtime", "Log", "Network"):
            pipe.send(f"{domain}.enable", session=session)
        url = path.resolve().as_uri()
        nav_id = pipe.send("Page.navigate", {"url": url}, session=session)
        navigated = False
        loaded = False
        shot_id = None
        seen = []
        while True:
            # a new target sometimes ignores its first navigation: ask again after 5 s
            wait = deadline if navigated else min(deadline, time.monotonic() + 5.0)
            try:
                msg = pipe.read(wait)
            except TimeoutError:
                if not navigated and time.monotonic() < deadline:
                    nav_id = pipe.send("Page.navigate", {"url": url}, session=session)
                    continue
                raise TimeoutError(f"chromium: no answer; last messages {seen[-6:]}") from None
            if msg.get("id") == nav_id:
                navigated = True
            method, params = msg.get("method"), msg.get("params", {})
            seen.append(method or f"answer {msg.get('id')}")
            if method == "Runtime.exceptionThrown":
                detail = params["exceptionDetails"]
                result.errors.append(detail.get("exception", {}).get("description", str(detail)))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                result.errors.append(" ".join(str(a.get("value")) for a in params["args"]))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                result.errors.append(params["entry"]["text"])
            elif method == "Network.requestWillBeSent":
                result.requests.append(params["request"]["url"])
            elif method == "Network.loadingFailed":
                result.failed.append(f"{params.get('errorText')} ({params.get('type')})")
            elif method == "Page.loadEventFired" and not loaded:
                loaded = True
                time.sleep(0.3)  # let late console messages arrive
                shot_id = pipe.send("Page.captureScreenshot", {"format": "png"}, session=session)
            elif shot_id is not None and msg.get("id") == shot_id:
                result.screenshot = base64.b64decode(msg["result"]["data"])
                break
    finally:
        try:
            pipe.send("Browser.close")
        except OSError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        os.close(to_child_w)
        os.close(from_child_r)
        shutil.rmtree(profile, ignore_errors=True)
    return result


def load_page_isolated(path: Path, *, width: int = 1200, height: int = 2400, attempts: int = 3):
    """:func:`load_page` in a fresh Python process (no state of the test process leaks in).

    Headless Chromium here sometimes never answers the first navigation of a new target (seen
    about one start in three on a loaded machine); such a start is abandoned after 25 s and
    retried, up to ``attempts`` times.  Any other failure is raised at once.
    """
    shot = Path(tempfile.mkdtemp(prefix="mrio-shot-")) / "page.png"
    command = [sys.executable, __file__, str(path), str(shot), str(width), str(height)]
    try:
        for attempt in range(attempts):
            proc = subprocess.run(command, capture_output=True, text=True, timeout=90)
            if proc.returncode == 0:
                doc = json.loads(proc.stdout)
                return PageLoad(doc["errors"], doc["requests"], doc["failed"], shot.read_bytes())
            if "TimeoutError" not in proc.stderr or attempt == attempts - 1:
                raise RuntimeError(f"chromium driver failed: {proc.stderr[-2000:]}")
    finally:
        shutil.rmtree(shot.parent, ignore_errors=True)
    raise AssertionError("unreachable")


if __name__ == "__main__":
    page, png, w, h = sys.argv[1:5]
    loaded = load_page(Path(page), width=int(w), height=int(h), timeout=25.0)
    Path(png).write_bytes(loaded.screenshot)
    keep = {"errors": loaded.errors, "failed": loaded.failed}
    print(json.dumps({**keep, "requests": [u[:200] for u in loaded.requests]}))
