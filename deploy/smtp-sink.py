#!/usr/bin/env python3
"""A real SMTP server on loopback for the smoke test: the stack's relay in CI.

    deploy/smtp-sink.py --dir DIR [--port 0] [--user NAME --password-file FILE]

Listens on 127.0.0.1 (port 0: a free one), writes the port to DIR/port once it accepts
connections, and keeps each accepted message as DIR/<n>.json (envelope sender, recipients,
the raw message). With --user it accepts mail only after an AUTH log-in with that name and
the password in FILE, so the stack's EMAIL_HOST_USER / EMAIL_HOST_PASSWORD are exercised too.
Runs until SIGTERM or SIGINT. Needs aiosmtpd (the dev extras): deploy/rehearse-image.sh runs
it with the checkout's .venv, not the image's.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
from pathlib import Path

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "login": (session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None),
            "data": envelope.original_content.decode("utf-8", errors="replace"),
        }
        path = self.directory / f"{next(self.counter):04d}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, ensure_ascii=False))
        os.replace(tmp, path)  # the smoke test never reads half a message
        return "250 Message accepted"


def authenticator(user: str, password: str):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login.decode(), auth_data.password.decode()) == (user, password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    return check


async def serve(args: argparse.Namespace) -> None:
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    sink = Sink(directory)
    password = Path(args.password_file).read_text().strip() if args.password_file else ""
    options = {}
    if args.user:
        options = {"authenticator": authenticator(args.user, password), "auth_required": True, "auth_require_tls": False}
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="smtp-sink.invalid", enable_SMTPUTF8=True, **options),
        host="127.0.0.1",
        port=args.port,
    )
    port = server.sockets[0].getsockname()[1]
    (directory / "port.tmp").write_text(str(port))
    os.replace(directory / "port.tmp", directory / "port")
    print(f"smtp-sink listening on 127.0.0.1:{port}, messages in {directory}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--user", default="")
    parser.add_argument("--password-file", default="")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
