"""`class serve | import | bench`: the class server from the command line.

    uv run main.py class serve [--host 127.0.0.1] [--port 8750] [--db URL] [--lan] [--json] [--workers N]
    uv run main.py class import FILE... [--db URL]
    uv run main.py class bench [--students 40] [--attempts 10] [--json]
"""
from __future__ import annotations

import argparse
import errno
import json
import os
import re
import socket
import sys
from pathlib import Path

DEFAULT_PORT = 8750
EXIT_USAGE = 2
# Several server processes on one database share one teacher token through this variable (otherwise each
# start makes a new random one)
TOKEN_ENV = "ENDPLATE_TEACHER_TOKEN"
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{22,200}")   # 22: as long as a generated token (128 bits)


def register(sub) -> dict:
    cls = sub.add_parser("class", help="the class server: serve a lesson, import results files, benchmark")
    verbs = cls.add_subparsers(dest="class_command", metavar="ACTION", required=True,
                               help="serve, import or bench")
    s = verbs.add_parser("serve", help="start the class server and print the teacher's dashboard link")
    s.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1: this computer only)")
    s.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    s.add_argument("--db", metavar="URL", default=None,
                   help="database URL (default: class.sqlite3 in the data folder; or postgresql+psycopg://user:pass@host/db)")
    s.add_argument("--lan", action="store_true", help="listen on this computer's network address and print it with a QR code")
    s.add_argument("--json", action="store_true", help="first line on stdout: JSON with url, dashboard_url, teacher_token")
    s.add_argument("--workers", type=_workers, default=None, help="processes that verify replays (default: one per CPU)")
    s.add_argument("--join-per-minute", type=_bounded(1, 10_000), default=60, metavar="N",
                   help="join tries a minute from one address (default 60; shared by every server on the database)")
    i = verbs.add_parser("import", help="import results files saved by students' games (verified like sent results)")
    i.add_argument("files", nargs="+", metavar="FILE", help="results files (.json) from the game's Player screen")
    i.add_argument("--db", metavar="URL", default=None, help="database URL (as for serve)")
    b = verbs.add_parser("bench", help="load benchmark: simulated students against a real server on 127.0.0.1")
    b.add_argument("--students", type=_bounded(1, 200), default=40, help="simulated students (default 40)")
    b.add_argument("--attempts", type=_bounded(1, 50), default=10, help="attempts per student (default 10)")
    b.add_argument("--db", metavar="URL", default=None, help="database URL (default: a temporary SQLite file)")
    b.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    return {"class": run_class}


def _port(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number 0..65535, got {text!r}") from None
    if not 0 <= v <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0..65535, got {v}")
    return v


def _bounded(low: int, high: int):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number {low}..{high}, got {text!r}") from None
        if not low <= v <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number {low}..{high}, got {v}")
        return v
    return parse


_workers = _bounded(0, 64)


def run_class(args: argparse.Namespace) -> int:
    match args.class_command:
        case "serve":
            return serve(args)
        case "import":
            return import_files(args.files, args.db)
        case "bench":
            from game.classroom.bench import run_bench
            return run_bench(args)
    return EXIT_USAGE


def lan_address() -> str:
    """This computer's address on the network (no packet is sent: a UDP socket only picks a route)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("10.254.254.254", 1))
        return s.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        s.close()


def lan_banner(url: str) -> str:
    """What --lan prints for the students: the address and a QR code of it (text blocks)."""
    import io

    import segno

    out = io.StringIO()
    out.write(f"Students: in the game choose 'Join a class' and type {url} (or scan the code)\n")
    try:
        segno.make(url, error="m").terminal(out=out, compact=True)
    except Exception:   # a terminal encoding that cannot show it: the address above is enough
        pass
    return out.getvalue()


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(args: argparse.Namespace) -> int:
    from game.classroom.db import DatabaseError, open_database
    from game.classroom.security import new_teacher_token

    host = args.host or ("0.0.0.0" if args.lan else "127.0.0.1")
    token = os.environ.get(TOKEN_ENV, "")
    if token and not TOKEN_RE.fullmatch(token):
        print(f"class serve: {TOKEN_ENV}: expected at least 22 letters, digits, '-' or '_' (the teacher token "
              f"shared by several server processes on one database); it has {len(token)} characters or others",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        sock = bind(host, args.port)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            print(f"class serve: port {args.port} on {host} is busy (is a class server already running?); "
                  f"stop it or choose another with --port", file=sys.stderr)
        else:
            print(f"class serve: cannot listen on {host}:{args.port}: {err.strerror or err}", file=sys.stderr)
        return EXIT_USAGE
    try:
        engine = open_database(args.db)
    except DatabaseError as err:
        sock.close()
        print(f"class serve: {err}", file=sys.stderr)
        return EXIT_USAGE

    import uvicorn

    from game.classroom.app import create_app

    port = sock.getsockname()[1]
    shown = lan_address() if host in ("0.0.0.0", "::") else host
    url = f"http://{shown}:{port}"
    token = token or new_teacher_token()
    dashboard = f"{url}/dashboard?token={token}"
    app = create_app(engine, token, workers=args.workers, join_per_minute=args.join_per_minute)
    if args.json:
        print(json.dumps({"url": url, "dashboard_url": dashboard, "teacher_token": token,
                          "database": engine.url.render_as_string(hide_password=True)}), flush=True)
    else:
        print(f"Endplate class server on {url}  (database: {engine.url.render_as_string(hide_password=True)})")
        print(f"Teacher dashboard (keep this link to yourself): {dashboard}")
        if args.lan:
            print(lan_banner(url), end="")
        else:
            print("Only this computer can connect; add --lan for students' computers on the school network.")
        print("Press Ctrl+C to stop.", flush=True)
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=3, lifespan="on",
                            access_log=False)
    server = _QuietServer(config, on_exit=app.state.server.notifier.stop)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        engine.dispose()
    print("class server stopped", file=sys.stderr, flush=True)
    return 0


def _quiet_server_class():
    import contextlib
    import signal

    import uvicorn

    class QuietServer(uvicorn.Server):
        """uvicorn's server, stopping on Ctrl+C (or SIGTERM) without raising it again afterwards; live
        dashboard streams are told to end at once instead of waiting for the shutdown timeout."""

        def __init__(self, config, on_exit=None) -> None:
            super().__init__(config)
            self.on_exit = on_exit

        @contextlib.contextmanager
        def capture_signals(self):
            originals = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in originals.items():
                    signal.signal(sig, handler)

        def handle_exit(self, sig, frame) -> None:
            super().handle_exit(sig, frame)
            if self.on_exit is not None:
                self.on_exit()

    return QuietServer


def _QuietServer(config, on_exit=None):  # noqa: N802 - a class made on demand (uvicorn is imported late)
    return _quiet_server_class()(config, on_exit=on_exit)


def import_files(files: list[str], db_url: str | None, out=None) -> int:
    """Import results files; one line per file. Exit 2 if any file could not be read."""
    from pydantic import ValidationError

    from game.classroom.app import Problem, create_app
    from game.classroom.db import DatabaseError, open_database
    from game.classroom.models import ResultsFile
    from game.classroom.security import new_teacher_token
    from game.validation import first_error   # here, not at the top: every command builds the parser

    out = out or sys.stdout
    try:
        engine = open_database(db_url)
    except DatabaseError as err:
        print(f"class import: {err}", file=sys.stderr)
        return EXIT_USAGE
    app = create_app(engine, new_teacher_token(), workers=0)  # threads: no worker start-up for a few files
    ok = True
    try:
        for name in files:
            path = Path(name)
            try:
                raw = path.read_bytes()
            except OSError as err:
                print(f"class import: {name}: cannot read ({err.strerror or err})", file=sys.stderr)
                ok = False
                continue
            if len(raw) > 30_000_000:
                print(f"class import: {name}: larger than 30 MB; not a results file", file=sys.stderr)
                ok = False
                continue
            try:
                data = ResultsFile.model_validate_json(raw)
            except ValidationError as err:
                where, msg, _ = first_error(err, "file")
                print(f"class import: {name}: {where}: {msg} "
                      "(expected a results file saved by the game)", file=sys.stderr)
                ok = False
                continue
            try:
                c = app.state.import_results(data)
            except Problem as p:
                print(f"class import: {name}: {p.detail}", file=sys.stderr)
                ok = False
                continue
            out.write(f"imported {name}: session {c['session_id']}, {c['nickname']}: {c['attempts']} attempts "
                      f"({c['verified']} verified), {c['answers']} answers; already there: {c['duplicates']} "
                      f"attempts, {c['answer_duplicates']} answers\n")
            for problem in c["problems"][:5]:
                out.write(f"  skipped {problem}\n")
    finally:
        app.state.server.close()
        engine.dispose()
    return 0 if ok else EXIT_USAGE
