"""``tasker serve``: check the options, open the API's keys, run uvicorn."""

from __future__ import annotations

import argparse
import os
import socket
from pathlib import Path

import uvicorn

from engine.cli.errors import UsageError
from server.app import Settings, create_app
from server.auth import KeyFileError, is_loopback, load_keys


class ServeError(Exception):
    """A ``tasker serve`` option that cannot work; ``str()`` is one line saying what to fix."""


def settings_from(args: argparse.Namespace) -> Settings:
    if not 0 < args.port < 65536:
        raise ServeError(f"--port {args.port} is not a TCP port; use 1-65535 (8080 by default)")
    key_file = args.api_keys or os.environ.get("TASKER_API_KEYS")
    keys = None
    if key_file:
        try:
            keys = load_keys(Path(key_file))
        except KeyFileError as exc:
            raise ServeError(str(exc)) from None
    elif not is_loopback(args.host):
        raise ServeError(
            f"--host {args.host} is not a loopback address: give --api-keys FILE "
            "(or TASKER_API_KEYS) so callers must present a key"
        )
    return Settings(args.db, args.templates, args.handlers, args.environment, keys)


def _check_listenable(host: str, port: int) -> None:
    """One line, before uvicorn starts, when the address cannot be listened on."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(infos[0][4])
    except OSError as exc:
        raise UsageError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); pick another --host or --port"
        ) from None


def run_server(args: argparse.Namespace) -> int:
    try:
        settings = settings_from(args)
    except ServeError as exc:
        raise UsageError(str(exc)) from None
    _check_listenable(args.host, args.port)
    mode = f"keys from {args.api_keys or os.environ.get('TASKER_API_KEYS')}"
    print(
        f"tasker serve: http://{args.host}:{args.port} "
        f"({mode if settings.keys else 'no keys: loopback callers may do everything'})",
        flush=True,
    )
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=args.access_log,
    )
    return 0
