"""``python -m moodify_edge``: the same as the ``moodify-edge`` command."""

from .cli import main

raise SystemExit(main())
