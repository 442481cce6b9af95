"""The worker process of a parallel import (see `parallel`): it prepares a file's chunks for the importer."""

from __future__ import annotations

import sys

from hotdash.store.ingest.files.parallel import work

if __name__ == "__main__":
    work(sys.argv[1:], sys.stdout.buffer)
