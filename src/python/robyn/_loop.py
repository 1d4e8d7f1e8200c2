"""The asyncio loop of one loaded app, on its own daemon thread (`robyn-loop`)."""

import asyncio
import sys
import threading
import traceback
from typing import Any, Callable, Coroutine, Optional

STOP_TIMEOUT = 5.0


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class LoopThread:
    def __init__(self) -> None:
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()

    def start(self) -> asyncio.AbstractEventLoop:
        """Idempotent: the first call creates the loop and its thread."""
        with self._lock:
            if self.loop is None:
                loop = new_event_loop()
                thread = threading.Thread(target=self._run, args=(loop,), name="robyn-loop", daemon=True)
                thread.start()
                self.loop, self._thread = loop, thread
            return self.loop

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        loop.run_forever()

    def add_reader(self, fd: int, callback: Callable[[], Any]) -> None:
        loop = self.start()
        loop.call_soon_threadsafe(loop.add_reader, fd, callback)

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        """Run `coroutine` on the loop, blocking the caller; re-raises its exception."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.start()).result()

    def stop(self) -> Optional[str]:
        """Cancel pending tasks (their completions still fire), stop, join (bounded).

        `self.loop` stays set until the thread is gone: work queued on the loop
        before stop() still finds it. Returns None once the thread is gone, else
        where it is stuck (a callback that never returns): the caller must then
        keep alive whatever that thread may still call."""
        with self._lock:
            loop, thread = self.loop, self._thread
            if loop is None or thread is None:
                return None
            try:
                asyncio.run_coroutine_threadsafe(_cancel_pending(), loop).result(STOP_TIMEOUT)
            except Exception:
                pass  # a task that ignores cancellation must not block shutdown
            loop.call_soon_threadsafe(loop.stop)
            # The loop stops after its current iteration, however long cancelling took.
            thread.join(STOP_TIMEOUT)
            if thread.is_alive():
                frame = sys._current_frames().get(thread.ident)
                return "".join(traceback.format_stack(frame)) if frame is not None else "(no Python frame)"
            loop.close()
            self.loop = self._thread = None
            return None


async def _cancel_pending() -> None:
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
