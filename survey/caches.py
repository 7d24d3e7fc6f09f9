"""What a process keeps between requests, in one place with one way to clear it.

Every cache here holds only what can be rebuilt from the database: parsed definitions,
short-lived survey lookups, rendered pages of immutable releases. `clear_all()` empties
them all (tests use it between databases; a process may call it when told to forget).
Entries that depend on the database carry `database_key()` in their key, so that apps on
different databases in one process (the test suite, the benchmarks) never share them.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from survey.extensions import db


class BoundedCache:
    """A mapping that keeps its newest `size` entries, safe to share between threads."""

    def __init__(self, name: str, size: int):
        self.name, self.size = name, size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value kept under `key`, or `default`."""
        with self._lock:
            return self._entries.get(key, default)

    def put(self, key: Hashable, value: Any) -> Any:
        """Keep `value` under `key`, dropping the oldest entries beyond `size`; returns it."""
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value under `key`, made by `make()` and kept if there is none yet."""
        found = self.get(key, _MISSING)
        return self.put(key, make()) if found is _MISSING else found

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_MISSING = object()
_caches: dict[str, BoundedCache] = {}


def bounded_cache(name: str, size: int) -> BoundedCache:
    """The process-wide cache called `name`, made on first use."""
    return _caches.setdefault(name, BoundedCache(name, size))


def clear_all() -> None:
    """Empty every process-wide cache."""
    for cache in _caches.values():
        cache.clear()


def database_key() -> str:
    """The current app's database, as a part of cache keys."""
    return str(db.engine.url)
