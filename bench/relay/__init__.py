"""Realtime relay benchmark: the hub against a bare python-socketio relay, same client.

    .venv/bin/python -m bench.relay [--only saturation,rate,idle] [--targets ...] [--smoke]

See ``bench.relay.__main__`` for the options and ``docs/bench-relay.md`` for what each
number means.
"""
