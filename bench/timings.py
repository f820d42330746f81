"""Time and profile pages in one process, against a bench database (`make bench` builds them).

    .venv/bin/python bench/timings.py [--member] [--database etoile_bench] [--runs 200]
        [--profile] [--cprofile] PATH...

Each page is asked for `--runs` times through Django's WSGI handler (the whole middleware
stack, production settings, Redis as the cache as in `make bench`), after a few warm-up
requests, and the median and 90th percentile per request are printed with the number of
database queries one request makes. The median CPU time of this process per request is
printed too: on a loaded machine the wall time is mostly waiting for PostgreSQL. `--member` asks as the bench member (`bench-000001`,
signed in with a session made as `login()` makes one). `--profile` prints pyinstrument's
profile of the runs (pip install pyinstrument), `--cprofile` the top of cProfile's.
`--instructions`, under `valgrind --tool=callgrind --instr-atstart=no`, counts the instructions
of the runs alone: the same from one run to the next whatever else the machine does.

On a machine shared with other work, wrk's figures move with the load; the median of a few
hundred requests in one process moves much less, so this is what guides changes, and
`make bench` says what they bring under load.
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import DATABASE, SCALES, site_env  # noqa: E402


def member_sessions(count: int = 1) -> list[str]:
    """Sessions for the first `count` bench members (`bench-000001` first), made as Django's
    login() makes them, with the times its receiver writes (kernel.security.signed_in)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from kernel.security import SEEN, STARTED
    from members.models import User

    keys = []
    for member in User.objects.filter(handle__startswith="bench-").order_by("pk")[:count]:
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = str(member.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = member.get_session_auth_hash()
        session[STARTED] = session[SEEN] = int(time.time())
        session.create()
        keys.append(session.session_key)
    return keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--member", action="store_true", help="as the signed-in bench member")
    parser.add_argument(
        "--members",
        type=int,
        default=1,
        help="with --member, rotate over this many bench members' sessions, one a request, as"
        " bench/run.py's review and like posts do (one member may post 5 reviews a minute)",
    )
    parser.add_argument("--database", default=DATABASE, choices=sorted(SCALES))
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="pyinstrument's profile")
    parser.add_argument("--cprofile", action="store_true", help="cProfile's top functions")
    parser.add_argument("--method", default="GET")
    parser.add_argument(
        "--body",
        default="",
        help="a form body for POST (the CSRF token added); {score} (1 to 10), {liked} (0, 1) and"
        " {n} (the request's number) change with each request",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="under valgrind --tool=callgrind --instr-atstart=no: count the instructions of the"
        " runs alone (callgrind_control), repeatable where times move with the machine's load",
    )
    args = parser.parse_args()

    # Production settings read static files from a manifest: collect them once, aside.
    static_root = Path(tempfile.gettempdir()) / "etoile-bench-static"
    os.environ.update(site_env(args.database, DJANGO_STATIC_ROOT=str(static_root)))
    os.environ["DJANGO_SETTINGS_MODULE"] = "etoile_app.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    from django.db import connection

    from bench.run import CSRF_TOKEN
    from etoile_app.wsgi import application as handler  # as gunicorn loads it

    cookies = [
        f"sessionid={session}; csrftoken={CSRF_TOKEN}"
        for session in (member_sessions(args.members) if args.member else [])
    ] or [""]
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    asked = [0]

    def ask(path: str) -> tuple[int, int]:
        # {score}, {liked} and {n} change with each request as in bench/run.py's POST_BODIES:
        # each member's score moves on each round over the sessions (from the one the bench
        # data gave them on the first), and they like on one round and take it back on the next.
        asked[0] += 1
        n = asked[0]
        cookie = cookies[n % len(cookies)]
        rounds = n // len(cookies)
        body = args.body.format(score=(n + 5 * (rounds + 1)) % 10 + 1, liked=rounds % 2, n=n)
        body = body + f"&csrfmiddlewaretoken={CSRF_TOKEN}" if args.method == "POST" else ""
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": args.method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": os.environ["ETOILE_SITE_URL"].rsplit(":", 1)[1],
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": os.environ["ETOILE_SITE_URL"].split("//", 1)[1],
            "HTTP_ACCEPT_ENCODING": "gzip, deflate, br",
            "HTTP_COOKIE": cookie,
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body.encode()),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        status = []
        response = handler(environ, lambda s, headers, exc_info=None: status.append(s))
        size = sum(len(chunk) for chunk in response)
        response.close()
        return int(status[0].split()[0]), size

    profiler = None
    if os.environ.get("GC") == "off":
        import gc

        gc.disable()
    for path in args.paths:
        for _ in range(5):
            status, size = ask(path)
        queries.clear()
        with connection.execute_wrapper(count):
            ask(path)
        per_request = len(queries)
        if os.environ.get("SHOW_QUERIES"):
            print("\n".join(q[:300] for q in queries))
            # SHOW_QUERIES=2 and more: the next requests' too (a like, then an unlike).
            for _ in range(
                int(os.environ["SHOW_QUERIES"]) - 1 if os.environ["SHOW_QUERIES"].isdigit() else 0
            ):
                queries.clear()
                with connection.execute_wrapper(count):
                    status, _size = ask(path)
                print(f"-- the next request ({status}):")
                print("\n".join(q[:300] for q in queries))
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002)
            profiler.start()
        elif args.cprofile:
            import cProfile

            # CPU time: on a loaded machine, wall time is mostly waiting for a core.
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
        elif args.instructions:
            callgrind("--zero")
            callgrind("--instr=on")
        timings, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            ask(path)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        if args.profile:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        elif args.instructions:
            callgrind("--instr=off")
            total = callgrind("--dump")
            print(f"{path:<40} {total / args.runs / 1e6:8.2f} million instructions a request")
            continue
        elif args.cprofile:
            import pstats

            profiler.disable()
            if os.environ.get("DUMP"):  # the raw profile (the last PATH's), for a diff of two runs
                profiler.dump_stats(os.environ["DUMP"])
            stats = pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative"))
            stats.print_stats(int(os.environ.get("TOP", 35)))
            if os.environ.get("CALLERS"):  # who calls the functions matching this
                stats.print_callers(os.environ["CALLERS"])
            if os.environ.get("CALLEES"):  # what the functions matching this call
                stats.print_callees(os.environ["CALLEES"])
        timings.sort()
        print(
            f"{path:<40} {status} {size / 1024:6.1f} KB  median {statistics.median(timings):6.2f} ms"
            f"  p90 {timings[int(len(timings) * 0.9)]:6.2f} ms  CPU {statistics.median(cpu):6.2f} ms"
            f"  {per_request} queries",
            flush=True,
        )


def callgrind(option: str) -> int:
    """Ask callgrind, which runs this process, to switch counting on or off, or to dump what
    it counted (then read back from its file, in the working directory, and removed)."""
    import subprocess

    subprocess.run(  # noqa: S603 (valgrind's own tool, on this process)
        ["callgrind_control", option, str(os.getpid())],  # noqa: S607
        capture_output=True,
        check=True,
    )
    if option != "--dump":
        return 0
    dumps = sorted(Path().glob(f"callgrind.out.{os.getpid()}.*"), key=lambda p: p.stat().st_mtime)
    text = dumps[-1].read_text()
    for dump in dumps:
        dump.unlink()
    return next(int(line.split()[1]) for line in text.splitlines() if line.startswith("totals:"))


if __name__ == "__main__":
    main()
