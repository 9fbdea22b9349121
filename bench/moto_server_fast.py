#!/usr/bin/env python3
"""`moto_server` with two per-request hot spots cached; same arguments.

Stock moto 5 calls moto.backends.list_of_moto_modules() (a listdir plus ~90
stat() calls) twice for every request to route it, which is ~45% of moto's
CPU time per ListTagsForResource, and lists a response class's methods with
inspect.getmembers() on every request (~10% more).  moto_server is single-process and
GIL-bound (~350 req/s on 2 cores), so for a concurrent client moto itself
becomes the bottleneck, which real AWS is not.  Caching both (neither
changes while the server runs) changes nothing else about moto's behaviour.

    python3 bench/moto_server_fast.py -H 127.0.0.1 -p 5000
"""

import functools

import moto.backends as _backends
import moto.core.responses as _responses

_MODULES = tuple(_backends.list_of_moto_modules())
_backends.list_of_moto_modules = lambda: iter(_MODULES)

# Called as method_names_from_class(self.__class__): cache per class.
_responses.method_names_from_class = functools.lru_cache(maxsize=None)(
    _responses.method_names_from_class
)

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    main()
