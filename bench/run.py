"""`make bench`: load the site at scale on PostgreSQL and compare each page to Django's ceiling.

1. Builds two PostgreSQL databases of synthetic, clearly fake members and activity (never the
   development database): `etoile_bench` at scale and `etoile_bench_small`. Each is reused
   when it already holds what this script would write.
2. Serves the site with gunicorn in production settings on 127.0.0.1 and loads it with wrk
   (bounded in time): a bare view that answers "ok" (the framework's ceiling on this machine),
   the home, episode, profile and season recap pages as a visitor; home, season, episode,
   another member's profile and season recap, the diary, the watchlist, the settings and the
   activity page as a signed-in member with a history and 500 members followed
   (member_history()); then rating, review and like posts. The member pages and the visitor's
   episode page again on the small database, for the scale comparison; then searches
   (`measure_search`, with each search's query count).
3. Prints one table (requests per second, p50, p99, ratio to the bare view measured in the
   same run, each row's target met or missed), the scale comparison and the machine's load
   average, and writes them to bench/results/ as JSON.

Environment: BENCH_POSTGRES (server URL, default postgres://postgres@127.0.0.1:5432),
BENCH_REDIS_URL (default redis://127.0.0.1:6379/15; empty for no Redis), BENCH_SECONDS (10),
BENCH_CONNECTIONS (16), BENCH_WORKERS (2), BENCH_DATABASE (the large database's name,
`etoile_bench`; the small one takes `_small` after it: two checkouts sharing one PostgreSQL
server bench apart).
"""

import datetime
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
SETTLE_SECONDS = 3
PORT = 8765
WRK = shutil.which("wrk")
WRK_THREADS = 2
EPISODES = 8

# Every member rates every episode, so a million ratings on eight episodes take 125,000
# members: the brief's 100,000 members and 1,000,000 ratings cannot both hold otherwise.
DATABASE = os.environ.get("BENCH_DATABASE", "etoile_bench")
SMALL_DATABASE = f"{DATABASE}_small"
SCALES = {
    DATABASE: {
        "members": 125_000,
        "reviews": 150_000,
        "replies": 50_000,
        "watches": 500_000,
    },
    SMALL_DATABASE: {"members": 125, "reviews": 150, "replies": 50, "watches": 500},
}
BENCH_SECRET = "bench-only-secret-key-" + "x" * 40  # noqa: S105 (a throwaway database)
CSRF_TOKEN = "b" * 32  # a fixed secret: wrk posts it as cookie and field  # noqa: S105
MEMBER = "bench-000001"  # the signed-in member of the member rows
FOLLOWED = 500  # how many members they follow
HISTORY = "Bench member's own review:"  # what member_history() writes, apart from the fill
HISTORY_DAY = datetime.date(2025, 4, 25)
# Rating, review and like posts rotate over this many members' sessions: each member may
# post 5 reviews a minute, and one member does not rate from 16 tabs at once.
POSTING_MEMBERS = 400
# Review posts rotate over more: a member may post 5 reviews a minute (ACCOUNT_RATE_LIMITS),
# and at a few hundred posts a second 400 members pass that within a run, when each refused
# post (429) draws the whole episode page again. Enough for 600 posts a second for the run.
REVIEWING_MEMBERS = max(POSTING_MEMBERS, SECONDS * 600 // 5)
RATED = 5  # the episode of season 1 the rating posts rate


def say(message: str) -> None:
    print(message, flush=True)


def site_env(database: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"{POSTGRES}/{database}",
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "0",
        "DJANGO_SECRET_KEY": BENCH_SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_LOG_LEVEL": "WARNING",
        "ETOILE_BENCH_VIEW": "1",
        "ETOILE_SITE_URL": f"http://127.0.0.1:{PORT}",
        "ETOILE_SEARCH_RATE_LIMIT": "",  # wrk searches from one address: no limit
        **extra,
    }
    env.pop("REDIS_URL", None)
    if REDIS_URL:
        env["REDIS_URL"] = REDIS_URL
    return env


def manage(database: str, *args: str) -> None:
    subprocess.run(  # noqa: S603 (our own manage.py)
        [PYTHON, "manage.py", *args], cwd=ROOT, env=site_env(database), check=True
    )


def create_database(database: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{database}"')


# --- Filling a database (runs in a subprocess with DATABASE_URL set) -------------------------


def fill(database: str) -> None:
    import django

    os.environ.update(site_env(database))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "etoile_app.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()

    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from catalog.models import Episode
    from members.models import User
    from reviews.models import Rating, Review, Watch
    from reviews.services import recount_ratings

    scale = SCALES[database]
    wanted_ratings = scale["members"] * EPISODES
    # What the last run's review posts wrote goes first: the data is the same on every run.
    Review.objects.filter(body__startswith=POSTED_REVIEW).delete()
    if (
        User.objects.filter(handle__startswith="bench-").count() == scale["members"]
        and Rating.objects.count() == wanted_ratings
        and Review.objects.exclude(body__startswith=HISTORY).count()
        == scale["reviews"] + scale["replies"]
        and Watch.objects.exclude(member__handle=MEMBER, watched_on=HISTORY_DAY).count()
        == scale["watches"]
    ):
        say(f"{database}: already built, reused")
        member_history()
        raters_history()
        likers_history(liked_review_of(database))
        return
    say(f"{database}: building (clearly fake members and activity)…")
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE reviews_like, reviews_report, reviews_moderationaction, reviews_watch,"
            " reviews_watchlistentry, reviews_review, reviews_rating, account_emailaddress,"
            " etoile_app_follow, etoile_app_block, etoile_app_mute, notifications_notification,"
            " django_session RESTART IDENTITY CASCADE"
        )
        cursor.execute("DELETE FROM etoile_app_user WHERE handle LIKE 'bench-%%'")

    rng = random.Random(2025)  # noqa: S311 (fake data, the same on every build)
    episodes = list(Episode.objects.order_by("number"))
    password = make_password("bench member password, never used to sign in")
    batch = 10_000

    members = [
        User(
            email=f"bench-{n:06d}@example.invalid",
            handle=f"bench-{n:06d}",
            display_name=f"Fake member {n}",
            password=password,
        )
        for n in range(1, scale["members"] + 1)
    ]
    User.objects.bulk_create(members, batch_size=batch)
    member_ids = list(
        User.objects.filter(handle__startswith="bench-").order_by("pk").values_list("pk", flat=True)
    )
    say(f"  {len(member_ids):,} members")

    # Scores lean high, as fan sites' do.
    weights = [1, 1, 2, 3, 5, 8, 12, 16, 14, 10]

    def ratings():
        for member_id in member_ids:
            for episode in episodes:
                score = rng.choices(range(1, 11), weights)[0]
                yield Rating(member_id=member_id, episode=episode, score=score)

    insert(Rating, ratings(), batch)
    say(f"  {Rating.objects.count():,} ratings")

    words = ["fake", "synthetic", "benchmark", "review", "text", "rehearsal", "company"]
    words += ["stage", "gala", "solo", "pas de deux", "city", "lights", "ending", "the"]

    def body(n: int) -> str:
        return f"Synthetic benchmark review {n}: " + " ".join(rng.choices(words, k=40)) + "."

    def reviews():
        for n in range(scale["reviews"]):
            yield Review(
                member_id=rng.choice(member_ids),
                episode=rng.choice(episodes),
                body=body(n),
                is_spoiler=rng.random() < 0.2,
            )

    insert(Review, reviews(), batch)
    parents = list(Review.objects.values_list("pk", "episode_id"))

    def replies():
        for n in range(scale["replies"]):
            parent_id, episode_id = rng.choice(parents)
            yield Review(
                member_id=rng.choice(member_ids),
                episode_id=episode_id,
                parent_id=parent_id,
                body=f"Synthetic benchmark reply {n}.",
            )

    insert(Review, replies(), batch)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reviews_review AS r SET reply_count = c.n FROM ("
            " SELECT parent_id, COUNT(*) AS n FROM reviews_review"
            " WHERE parent_id IS NOT NULL GROUP BY parent_id) AS c WHERE r.id = c.parent_id"
        )
    say(f"  {Review.objects.count():,} reviews and replies")

    first_day = datetime.date(2025, 4, 24)
    span = (datetime.date(2026, 11, 1) - first_day).days

    def watches():
        for _ in range(scale["watches"]):
            yield Watch(
                member_id=rng.choice(member_ids),
                episode=rng.choice(episodes),
                watched_on=first_day + datetime.timedelta(days=rng.randrange(span)),
            )

    insert(Watch, watches(), batch)
    say(f"  {Watch.objects.count():,} watches")
    recount_ratings()
    member_history()
    raters_history()
    likers_history(liked_review_of(database))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    say(f"{database}: built in {time.monotonic() - started:.0f} s")


def member_history() -> None:
    """The signed-in member of the bench (bench-000001) as a member who uses the site: they rate
    every episode (the fill did), watched the first five (the first twice), keep the last three
    on their watchlist, wrote the newest review of episode 4 and a spoiler on episode 6, and
    like every other review on episode 4's first page. Made again on every run, the same."""
    from catalog.models import Episode
    from members.models import User
    from reviews import services
    from reviews.models import Like, Review, Watch, WatchlistEntry

    member = User.objects.get(handle=MEMBER)
    Review.objects.filter(member=member, body__startswith=HISTORY).delete()
    Watch.objects.filter(member=member, watched_on=HISTORY_DAY).delete()
    Like.objects.filter(member=member).delete()
    WatchlistEntry.objects.filter(member=member).delete()
    episodes = list(Episode.objects.select_related("season__show").order_by("number"))
    for episode in episodes[:5]:
        services.watch_add(member=member, episode=episode, watched_on=HISTORY_DAY)
    services.watch_add(member=member, episode=episodes[0], watched_on=HISTORY_DAY)
    services.watchlist_add(member=member, episodes=episodes[5:])
    services.review_post(
        member=member, episode=episodes[5], body=f"{HISTORY} spoiler: the gala.", is_spoiler=True
    )
    services.review_post(member=member, episode=episodes[3], body=f"{HISTORY} the rehearsal.")
    first_page = (
        Review.objects.public().top_level().filter(episode=episodes[3]).exclude(member=member)
    ).order_by("-created_at", "-pk")[:20]
    for review in list(first_page)[::2]:
        services.like_set(member=member, review=review, liked=True)
    # The member follows 500 others, so that the activity page and the home page's newest
    # activity read a real following's ratings, reviews and watches (community/activity.py).
    from members.models import Follow

    others = User.objects.filter(handle__startswith="bench-").exclude(pk=member.pk)
    others = others.order_by("pk").values_list("pk", flat=True)[:FOLLOWED]
    Follow.objects.bulk_create(
        (Follow(follower=member, followed_id=pk) for pk in others), ignore_conflicts=True
    )


def raters_history() -> None:
    """The members whose sessions post ratings (the first POSTING_MEMBERS) hold, on the rated
    episode, the score the posts' second round gives them, so that every post, from the first,
    changes a score, run after run (POST_BODIES)."""
    from catalog.models import Episode
    from members.models import User
    from reviews import services

    episode = Episode.objects.select_related("season").get(season__number=1, number=RATED)
    raters = User.objects.filter(handle__startswith="bench-").order_by("pk")[:POSTING_MEMBERS]
    for i, member in enumerate(raters):
        services.rating_set(member=member, episode=episode, score=i % 10 + 1)


def likers_history(review_id: int) -> None:
    """The members whose sessions post likes (the first POSTING_MEMBERS) all like the liked
    review at the start of every run, so that every post, from the first (an unlike: see
    POST_BODIES), changes a like and its count, whatever the last run's posts left."""
    from members.models import User
    from reviews import services
    from reviews.models import Review

    review = Review.objects.select_related("member").get(pk=review_id)
    likers = User.objects.filter(handle__startswith="bench-").order_by("pk")[:POSTING_MEMBERS]
    for member in likers:
        if member.pk != review.member_id:
            services.like_set(member=member, review=review, liked=True)


def insert(model, rows, batch: int) -> None:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            model.objects.bulk_create(chunk)
            chunk = []
    if chunk:
        model.objects.bulk_create(chunk)


def sign_in_cookies(database: str, count: int = 1) -> list[str]:
    """Sessions for the first `count` fake members, made as Django's login() makes them (in
    the session engine the site uses: the cache and the database), with the times its
    receiver (kernel.security.signed_in) writes: without them, each session's first request
    wrote the session again, which a member's requests after signing in do not."""
    script = (
        "import time\n"
        "from importlib import import_module\n"
        "from django.conf import settings\n"
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY\n"
        "from kernel.security import SEEN, STARTED\n"
        "from members.models import User\n"
        "store = import_module(settings.SESSION_ENGINE).SessionStore\n"
        f"members = User.objects.filter(handle__startswith='bench-').order_by('pk')[:{count}]\n"
        "for member in members:\n"
        "    session = store()\n"
        "    session[SESSION_KEY] = str(member.pk)\n"
        "    session[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
        "    session[HASH_SESSION_KEY] = member.get_session_auth_hash()\n"
        "    session[STARTED] = session[SEEN] = int(time.time())\n"
        "    session.create()\n"
        "    print(session.session_key)\n"
    )
    result = subprocess.run(  # noqa: S603 (our own manage.py)
        [PYTHON, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=ROOT,
        env=site_env(database),
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-count:]


# --- Serving and loading -------------------------------------------------------------------


class Server:
    def __init__(self, database: str, static_root: str):
        self.env = site_env(database, DJANGO_STATIC_ROOT=static_root)
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(  # noqa: S603 (gunicorn from our virtualenv)
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "etoile_app.wsgi",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--workers",
                str(WORKERS),
                "--no-control-socket",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/bench/ok", timeout=2):  # noqa: S310
                    return self
            except OSError:
                time.sleep(0.3)
        raise SystemExit("gunicorn did not answer within 30 s")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=20)


LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
READ = re.compile(r"(\d+) requests in [^,]+, ([\d.]+)(B|KB|MB|GB) read")
UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def wrk(path: str, *, cookie: str = "", script: str | None = None) -> dict:
    # wrk stops sending when its time is up, but gunicorn still has up to one request per
    # connection queued: on a slow page that is a second of work that would land on the
    # next page's first requests (and its p99). Wait for it to drain.
    time.sleep(SETTLE_SECONDS)
    command = [
        WRK,
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{SECONDS}s",
        "--latency",
        "--timeout",
        "5s",
        # As a browser asks: pages then travel compressed, as they would to a member.
        "-H",
        "Accept-Encoding: gzip, deflate, br",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", script]
    command.append(f"http://127.0.0.1:{PORT}{path}")
    output = subprocess.run(  # noqa: S603 (wrk on 127.0.0.1, bounded by -d and timeout)
        command, capture_output=True, text=True, timeout=SECONDS + 30, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    latency = {p: float(v) * scale[unit] for p, v, unit in LATENCY.findall(output)}
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    requests, amount, unit = READ.search(output).groups()
    return {
        "path": path,
        "requests_per_second": rate,
        "p50_ms": latency["50"],
        "p99_ms": latency["99"],
        "bad_responses": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
        # Headers included: what one answer costs on the wire.
        "kb_per_response": float(amount) * UNITS[unit] / int(requests) / 1024,
    }


# Posts from Lua: each request a changing score, review, or like, with the session's cookie
# and the CSRF token as field. Sessions rotate (SESSIONS) where a rate limit holds each member.
# Each of wrk's threads runs the script in a Lua state of its own: a counter of its own would
# send the same posts from both threads, and every second post would repeat the one before
# (the same score, a like already there). setup() numbers the threads, and thread t sends
# posts t, t + THREADS, t + 2 × THREADS… of one sequence: every post is a change, and one
# member's posts all come from one thread.
POST_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local threads = 0
setup = function(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end
local sessions = {SESSIONS}
local sent = 0
-- wrk calls request() once in the first thread before the run, to check what it makes
-- (script_verify_request): that post is never sent, so that thread counts from one less.
request = function()
  local n = (sent - (thread_number == 0 and 1 or 0)) * THREADS + thread_number + 1
  sent = sent + 1
  local session = sessions[(n % #sessions) + 1]
  wrk.headers["Cookie"] = "sessionid=" .. session .. "; csrftoken=TOKEN"
  local body = BODY .. "&csrfmiddlewaretoken=TOKEN"
  return wrk.format(nil, nil, nil, body)
end
"""
POSTED_REVIEW = "A benchmark review"  # what the review posts write, removed at the next run
POST_BODIES = {
    # Each member's score moves by 2½ stars on each round over the sessions, starting from the
    # one raters_history() gave them: every post changes their rating and two counters.
    "rating": '"score=" .. ((n + 5 * (math.floor(n / #sessions) + 1)) % 10 + 1)',
    "review": '"body=' + POSTED_REVIEW.replace(" ", "+") + '+number+" .. n',
    # Each member takes back their like of the review (likers_history() gave it them), then
    # likes it again on the next round.
    "like": '"liked=" .. (math.floor(n / #sessions) % 2)',
}


def post_script(kind: str, sessions: list[str]) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        quoted = ", ".join(f'"{session}"' for session in sessions)
        script.write(
            POST_SCRIPT.replace("SESSIONS", quoted)
            .replace("THREADS", str(WRK_THREADS))
            .replace("TOKEN", CSRF_TOKEN)
            .replace("BODY", POST_BODIES[kind])
        )
    return script.name


# The member rows: (name, path, target share of the bare view). The member reads as
# bench-000001 (member_history() above gives them a real history).
MEMBER_PAGES = [
    ("home, member", "/", 0.35),
    ("season, member", "/season/1/", 0.35),
    ("episode, member", "/season/1/episode/4/", 0.35),
    ("profile, member", "/u/bench-000002/", 0.35),
    ("diary, member", f"/u/{MEMBER}/diary/", 0.35),
    ("recap, member", "/u/bench-000002/season/1/", 0.35),
    ("watchlist, member", "/me/watchlist/", 0.35),
    ("settings, member", "/me/settings/", 0.35),
    ("activity, member", "/me/activity/", 0.35),
]
VISITOR_PAGES = [
    ("home, visitor", "/", 0.60),
    ("episode, visitor", "/season/1/episode/4/", 0.60),
    ("profile, visitor", "/u/bench-000002/", 0.60),
    ("recap, visitor", "/u/bench-000002/season/1/", 0.60),
]
# Writes last: each one moves the versions of the pages it shows on. Each rotates over
# POSTING_MEMBERS sessions (reviews over REVIEWING_MEMBERS), but the one-member rating row:
# one member's ratings from 16 connections at once wait on their own row lock, which no
# member's real use makes (docs/PERFORMANCE.md), and it is kept beside, without a target,
# to show that lock.
POSTS = [
    ("rating post, member", f"/season/1/episode/{RATED}/rating/", "rating", 0.25),
    ("rating post, one member", f"/season/1/episode/{RATED}/rating/", "rating", None),
    ("review post, member", "/season/1/episode/7/reviews/", "review", 0.15),
    ("like post, member", "/reviews/{review}/like/", "like", 0.15),
]


def measure(database: str, static_root: str, *, small: bool = False) -> list[dict]:
    """Every row in order; at the small scale, the pages only (the scale comparison)."""
    member_cookie = f"sessionid={sign_in_cookies(database)[0]}"
    liked_review = liked_review_of(database)
    with Server(database, static_root):
        # Warm every worker's connections and caches before timing anything.
        for _, path, _ in VISITOR_PAGES:
            wrk_warm(path)
        for _, path, _ in MEMBER_PAGES:
            wrk_warm(path, cookie=member_cookie)
        runs = [] if small else [("bare view (ceiling)", wrk("/bench/ok"), None)]
        for name, path, target in VISITOR_PAGES if not small else VISITOR_PAGES[1:2]:
            runs.append((name, wrk(path), target))
        for name, path, target in MEMBER_PAGES:
            runs.append((name, wrk(path, cookie=member_cookie), target))
        if not small:
            for name, path, kind, target in POSTS:
                # Many members rating one episode (its counters' row the hot one), reviewing
                # (5 a minute each), liking one review at once; and one member's ratings.
                posting = REVIEWING_MEMBERS if kind == "review" else POSTING_MEMBERS
                # Sessions seen just now, as a member's who posts from the page they have just
                # loaded: sessions made before the page rows would be last seen minutes ago, so
                # each one's first post would also write the session again (SEEN_PRECISION_SECONDS in
                # kernel/security.py), which the page before did for a real member.
                posters = sign_in_cookies(database, posting)
                script = post_script(kind, posters[: 1 if "one member" in name else posting])
                runs.append((name, wrk(path.format(review=liked_review), script=script), target))
                os.unlink(script)
    return [{"name": name, "target": target, **result} for name, result, target in runs]


def liked_review_of(database: str) -> int:
    """A review on episode 4's first page by another member, for the like posts."""
    import psycopg

    with psycopg.connect(f"{POSTGRES}/{database}") as connection:
        return connection.execute(
            "SELECT r.id FROM reviews_review r JOIN etoile_app_user u ON u.id = r.member_id"
            " WHERE r.parent_id IS NULL AND r.status = 'visible' AND u.handle <> %s"
            " AND r.episode_id = (SELECT id FROM catalog_episode WHERE number = 4)"
            " ORDER BY r.created_at DESC, r.id DESC LIMIT 1",
            [MEMBER],
        ).fetchone()[0]


def wrk_warm(path: str, *, cookie: str = "") -> None:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    subprocess.run(  # noqa: S603
        [WRK, "-t1", "-c4", "-d2s", *headers, f"http://127.0.0.1:{PORT}{path}"],
        capture_output=True,
        timeout=30,
        check=True,
    )


def explain(database: str) -> dict[str, str]:
    """PostgreSQL's plans for the queries the constant-cost pages rely on."""
    import psycopg

    queries = {
        "episode counters (one row)": (
            "SELECT * FROM reviews_episodescores WHERE episode_id = "
            "(SELECT id FROM catalog_episode WHERE number = 4)"
        ),
        "an episode's newest reviews, as a visitor sees them (index review_episode_newest_top)": (
            "SELECT r.id FROM reviews_review r JOIN etoile_app_user u ON u.id = r.member_id"
            " WHERE r.episode_id = (SELECT id FROM catalog_episode WHERE number = 4)"
            " AND r.status = 'visible' AND r.parent_id IS NULL AND u.is_active"
            " ORDER BY r.created_at DESC, r.id DESC LIMIT 21"
        ),
        "the same for a member: visible, or their own (index review_episode_newest_top)": (
            "SELECT r.id FROM reviews_review r JOIN etoile_app_user u ON u.id = r.member_id"
            " WHERE r.episode_id = (SELECT id FROM catalog_episode WHERE number = 4)"
            " AND r.parent_id IS NULL"
            " AND ((r.status = 'visible' AND u.is_active) OR r.member_id = 1)"
            " ORDER BY r.created_at DESC, r.id DESC LIMIT 21"
        ),
        "an episode's most liked reviews (index review_episode_liked_top)": (
            "SELECT r.id FROM reviews_review r JOIN etoile_app_user u ON u.id = r.member_id"
            " WHERE r.episode_id = (SELECT id FROM catalog_episode WHERE number = 4)"
            " AND r.status = 'visible' AND r.parent_id IS NULL AND u.is_active"
            " ORDER BY r.like_count DESC, r.created_at DESC, r.id DESC LIMIT 21"
        ),
        "a member's rating of an episode (unique index rating_one_per_member)": (
            "SELECT score FROM reviews_rating WHERE member_id = 1 AND episode_id = "
            "(SELECT id FROM catalog_episode WHERE number = 4)"
        ),
        "a member's watches (index watch_member_episode)": (
            "SELECT episode_id, COUNT(*), MAX(watched_on) FROM reviews_watch"
            " WHERE member_id = 1 GROUP BY episode_id"
        ),
    }
    plans = {}
    with psycopg.connect(f"{POSTGRES}/{database}") as connection:
        for label, sql in queries.items():
            rows = connection.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql)
            plans[label] = "\n".join(row[0] for row in rows)
    return plans


# --- Search (issue 22): its rows, measured as the pages are, and its queries counted --------

# The fake reviews draw their words from sixteen: "rehearsal" is in nearly every one (the
# worst case: counted and ranked among the first 200 found), "4242" starts a number in a
# hundred or so reviews and replies, and one member's name.
SEARCHES = {
    "search, a rare word": "/search/?q=4242",
    "search, common word": "/search/?q=rehearsal",
    "search, reviews p. 2": "/search/?q=rehearsal&kind=reviews&page=2",
}
SEARCH_QUERIES_SCRIPT = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
counts = {}
for name, path in PATHS.items():
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(path, HTTP_HOST="127.0.0.1").status_code == 200, path
    counts[name] = len(queries)
print(json.dumps(counts))
"""


def measure_search(database: str, static_root: str) -> tuple[list[dict], dict[str, int]]:
    """wrk on each search, and one as a signed-in member; then each search's query count."""
    member_cookie = f"sessionid={sign_in_cookies(database)[0]}"
    with Server(database, static_root):
        for path in SEARCHES.values():
            wrk_warm(path)
        runs = [{"name": name, **wrk(path)} for name, path in SEARCHES.items()]
        common = SEARCHES["search, common word"]
        runs.append({"name": "search, member", **wrk(common, cookie=member_cookie)})
    script = SEARCH_QUERIES_SCRIPT.replace("PATHS", repr(SEARCHES))
    output = subprocess.run(  # noqa: S603 (our own manage.py)
        [PYTHON, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=ROOT,
        env=site_env(database, DJANGO_STATIC_ROOT=static_root),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return runs, json.loads(output.strip().splitlines()[-1])


def table(runs: list[dict], ceiling: float) -> str:
    """The runs, each with its share of the bare view and whether it meets its target."""
    lines = [
        f"{'page':<22} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'of bare':>8} {'KB sent':>8}"
        "  target",
        "-" * 80,
    ]
    for run in runs:
        ratio = run["requests_per_second"] / ceiling
        target = run.get("target")
        verdict = (
            "" if target is None else f"  >= {target:.0%}: {'met' if ratio >= target else 'MISSED'}"
        )
        if run["name"] == "episode, member":
            verdict += f", p99 < 30 ms: {'met' if run['p99_ms'] < 30 else 'MISSED'}"
        flag = "" if not run["bad_responses"] else f"  ({run['bad_responses']} bad answers)"
        lines.append(
            f"{run['name']:<22} {run['requests_per_second']:>7.0f} {run['p50_ms']:>8.2f}"
            f" {run['p99_ms']:>8.2f} {ratio:>7.0%} {run['kb_per_response']:>8.1f}{verdict}{flag}"
        )
    return "\n".join(lines)


def scale_table(runs: list[dict], small: list[dict]) -> tuple[str, dict]:
    """Each page measured on both databases: p50 at 1,000,000 ratings over p50 at 1,000."""
    large = {run["name"]: run for run in runs}
    lines = [f"{'page':<22} {'p50 ms, 1,000':>14} {'p50 ms, 1,000,000':>18} {'ratio':>6}  target"]
    comparison = {}
    for run in small:
        big = large[run["name"]]
        ratio = big["p50_ms"] / run["p50_ms"]
        comparison[run["name"]] = {
            "p50_ms_at_1000_ratings": run["p50_ms"],
            "p50_ms_at_1000000_ratings": big["p50_ms"],
            "ratio": ratio,
        }
        verdict = "met" if ratio <= 1.15 else "MISSED"
        lines.append(
            f"{run['name']:<22} {run['p50_ms']:>14.2f} {big['p50_ms']:>18.2f} {ratio:>6.2f}"
            f"  <= 1.15: {verdict}"
        )
    return "\n".join(lines), comparison


def load() -> str:
    """The machine's load average: the bench shares it with whatever else runs."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def build() -> None:
    for database in SCALES:
        create_database(database)
        manage(database, "migrate", "--no-input", "-v", "0")
        manage(database, "createcachetable")
        manage(database, "seed_etoile", "-v", "0")
        subprocess.run(  # noqa: S603 (this script, filling in a subprocess)
            [PYTHON, __file__, "fill", database], cwd=ROOT, env=site_env(database), check=True
        )


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "fill":
        fill(sys.argv[2])
        return
    if sys.argv[1:] == ["build"]:  # the databases alone, for bench/timings.py
        build()
        return
    if not WRK:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    started = time.monotonic()
    build()
    if REDIS_URL:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()  # the bench's own Redis database
    static_root = tempfile.mkdtemp(prefix="etoile-bench-static-")
    subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=site_env(DATABASE, DJANGO_STATIC_ROOT=static_root),
        check=True,
    )
    load_before = load()
    say(f"Loading with wrk: {SECONDS} s a page, {CONNECTIONS} connections, {WORKERS} workers")
    say(f"Load average before (1, 5, 15 min): {load_before}: other work on the machine skews it")
    runs = measure(DATABASE, static_root)
    small = measure(SMALL_DATABASE, static_root, small=True)
    search_runs, search_queries = measure_search(DATABASE, static_root)
    shutil.rmtree(static_root, ignore_errors=True)
    load_after = load()
    ceiling = runs[0]["requests_per_second"]
    scales, comparison = scale_table(runs, small)
    say("")
    say(table(runs, ceiling))
    say("")
    say(scales)
    say("")
    say(f"Load average after: {load_after}. The whole run took {time.monotonic() - started:.0f} s.")
    say("")
    say(table(search_runs, ceiling))
    say("queries per search: " + ", ".join(f"{k} {v}" for k, v in search_queries.items()))
    plans = explain(DATABASE)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    result = {
        "when": stamp,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "settings": {
            "seconds": SECONDS,
            "connections": CONNECTIONS,
            "workers": WORKERS,
            "redis": bool(REDIS_URL),
        },
        "data": SCALES,
        "load_average": {"before": load_before, "after": load_after},
        "runs": [{**run, "ratio_to_bare": run["requests_per_second"] / ceiling} for run in runs],
        "scale_comparison": comparison,
        "explain": plans,
        "search": {
            "runs": [
                {**run, "ratio_to_bare": run["requests_per_second"] / ceiling}
                for run in search_runs
            ],
            "queries": search_queries,
        },
    }
    path = RESULTS / f"{stamp}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    say(f"\nWritten to {path.relative_to(ROOT)}")
    for label, plan in plans.items():
        say(f"\n{label}:\n{plan}")


if __name__ == "__main__":
    main()
