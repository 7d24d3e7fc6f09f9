"""Reading ahead: the next item of a slow iterator made in a thread while this one is used.

Database drivers, Arrow and numpy release the GIL while they work, so fetching the next
chunk of responses (or parsing it) overlaps with using the current one.
"""

import queue
import threading
from collections.abc import Iterator

_END = object()


def read_ahead(items: Iterator, depth: int = 1, name: str = "read-ahead") -> Iterator:
    """The items of `items`, made in a thread of their own up to `depth` ahead of the
    consumer; an error raised while making one is raised in the consumer. Closing the
    result stops the thread and closes `items`."""
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                handoff.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((_END, None))
        except BaseException as error:  # raised again in the consumer
            put((None, error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item, error = handoff.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        worker.join()
