"""``python -m redis_streamer``: the command-line client."""

from .cli import main

main()
