#!/usr/bin/env python3
"""Throughput of the service against the machine's own limits, case by case.

Loads the data set of issue 14 through the import endpoint (10,001 associations: a
province with 3,330 below it, another with 217, the rest spread over 32 more; 100,000
citizens in the big province's communes, a third of them named Nguyễn), then drives each
case with wrk (a warm-up and RUNS runs) and prints requests per second, p50 and p99,
and the ratio to `GET /healthz` and to the database's own point query measured in the
same run (pgbench on PostgreSQL; two processes looping on SQLite); creates (E) against the
commits of exactly the statements of one create (the row, its audit event, its change-feed
event; pgbench at 16 clients on PostgreSQL, one process on SQLite). The reports (G, G')
are also timed built anew: one client asks each right after a write.

    python3 bench/throughput.py --base-url URL --token TOKEN --database-url URL
        [--associations 10001] [--citizens 100000] [--seconds 10] [--runs 3] [--cases A,B,D]

bench/run.sh starts the server on a fresh database for each backend and passes the
arguments (`bash bench/run.sh throughput`); it installs nothing: wrk comes from the
system (`apt-get install wrk`, done by bench/run.sh when missing).
"""
import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
import uuid

TOKEN = None


def post(base, path, body, content_type):
    request = urllib.request.Request(base + path, data=body.encode(), method="POST")
    request.add_header("Authorization", f"Bearer {TOKEN}")
    request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def tree(size):
    """Rows of a tree of `size` associations, parents first, and the ids that matter. From
    3,582 up the two measured provinces have 3,330 and 217 below them; below that (the tiny
    data CI runs on) they have 33 and 14."""
    rows = []
    big_shape, small_shape = ((30, 110), (7, 30)) if size >= 3_582 else ((3, 10), (2, 6))

    def add(code, name, level, parent):
        row = {"id": str(uuid.uuid4()), "code": code, "name": name, "level": level, "parent_id": parent}
        rows.append(row)
        return row["id"]

    root = add("VN", "Trung ương Hội Khuyến học Việt Nam", "central", None)
    big = add("P00", "Hội Khuyến học tỉnh Yên Bái", "province", root)
    communes = []
    for d in range(big_shape[0]):  # 30 districts × (1 + 110 communes) = 3,330 below
        district = add(f"D00-{d:02}", f"Hội Khuyến học huyện {d:02}", "district", big)
        for c in range(big_shape[1]):
            communes.append(add(f"C00-{d:02}-{c:03}", f"Hội Khuyến học xã {d:02}-{c:03}", "commune", district))
    small = add("P01", "Hội Khuyến học tỉnh Lai Châu", "province", root)
    for d in range(small_shape[0]):  # 7 × (1 + 30) = 217 below
        district = add(f"D01-{d:02}", f"Hội Khuyến học huyện Lai Châu {d}", "district", small)
        for c in range(small_shape[1]):
            add(f"C01-{d:02}-{c:03}", f"Hội Khuyến học xã Lai Châu {d}-{c}", "commune", district)
    provinces = [add(f"P{p:02}", f"Hội Khuyến học tỉnh {p:02}", "province", root) for p in range(2, 34)]
    # Where E creates its branches: outside the measured provinces, whose
    # subtrees the cases after E (G, G') would otherwise find grown by thousands.
    elsewhere = add("CE", "Hội Khuyến học xã E", "commune", provinces[-1])
    d = 0
    while len(rows) < size:
        province = provinces[d % len(provinces)]
        district = add(f"DX-{d:04}", f"Hội Khuyến học huyện X {d}", "district", province)
        for c in range(30):
            if len(rows) >= size:
                break
            add(f"CX-{d:04}-{c:02}", f"Hội Khuyến học xã X {d}-{c}", "commune", district)
        d += 1
    below = {shape: shape[0] * (1 + shape[1]) for shape in (big_shape, small_shape)}
    return rows, {"big": big, "small": small, "big_size": below[big_shape], "small_size": below[small_shape],
                  "commune": communes[0], "communes": communes, "elsewhere": elsewhere,
                  "all": [r["id"] for r in rows]}


def citizens(count, communes):
    surnames = ["Nguyễn", "Trần", "Lê"]
    for i in range(count):
        yield json.dumps({"full_name": f"{surnames[i % 3]} Văn {i}", "association_id": communes[i % len(communes)],
                          "birth_year": 1940 + i % 70, "external_id": f"CD{i}"}, ensure_ascii=False)


def get(base, path):
    request = urllib.request.Request(base + path)
    request.add_header("Authorization", f"Bearer {TOKEN}")
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def load(base, size, count):
    """The data set, through the import endpoints: the tree, the citizens, every
    association's statistics for 2025 and a draft "learning community" assessment of every
    commune of the big province for 2025 (what the two reports add up)."""
    rows, ids = tree(size)
    started = time.monotonic()

    def imported(resource, lines):
        body = "".join(line + "\n" for line in lines)
        report = post(base, f"/api/v1/imports/{resource}?atomic=false", body, "application/x-ndjson")
        assert report["created"] == len(lines), report

    imported("associations", [json.dumps(r, ensure_ascii=False) for r in rows])
    imported("citizens", list(citizens(count, ids["communes"])))
    imported("yearly-stats", [json.dumps({"association_id": a, "year": 2025, "member_count": 300 + i % 200,
                                          "population": 1_000 + i % 700}) for i, a in enumerate(ids["all"])])
    sets = get(base, "/api/v1/criteria-sets?subject_kind=commune")["items"]
    ids["commune_set"] = sets[0]["id"]
    ids["citizen_set"] = get(base, "/api/v1/criteria-sets?subject_kind=citizen")["items"][0]["id"]
    imported("assessments", [json.dumps({"criteria_set_id": ids["commune_set"], "subject_kind": "commune",
                                         "subject_id": c, "period": 2025}) for c in ids["communes"]])
    print(f"loaded {len(rows):,} associations, {count:,} citizens, {len(rows):,} yearly statistics and "
          f"{len(ids['communes']):,} assessments in {time.monotonic() - started:.0f} s", flush=True)
    return ids


POST_SCRIPT = """
local counter = 0
local threads = 0
function setup(thread) threads = threads + 1; thread:set("thread_id", threads) end
request = function()
  counter = counter + 1
  local body = string.format('{"code":"E@PREFIX-%d-%d","name":"Chi hội %d","level":"branch","parent_id":"@PARENT"}',
                             thread_id, counter, counter)
  return wrk.format("POST", "/api/v1/associations", {["Content-Type"] = "application/json",
                    ["Authorization"] = "Bearer @TOKEN"}, body)
end
"""


def wrk(url, seconds, connections, script=None, header=None):
    """One wrk run: requests per second, p50 and p99 in ms, and non-2xx answers."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {TOKEN}"]
    if header:
        args += ["-H", header]
    if script:
        # Codes unique to this run: a create never meets one made before.
        lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        lua.write(script.replace("@PREFIX", uuid.uuid4().hex[:8]))
        lua.close()
        args += ["-s", lua.name]
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    if script:
        os.unlink(lua.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def latency(percent):
        value, unit = re.search(rf"\s{percent}%\s+([\d.]+)(us|ms|s)\b", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, latency(50), latency(99), int(errors.group(1)) if errors else 0


def cold_latencies(base, path, parent, count):
    """p50 and p99 in ms of `path` asked by one client right after a write, so that no
    kept report can answer it (reports are kept until the next committed change)."""
    host = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(host.hostname, host.port)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    prefix = uuid.uuid4().hex[:8]
    took = []
    for i in range(count):
        body = json.dumps({"code": f"G{prefix}-{i}", "name": f"Chi hội {i}", "level": "branch",
                           "parent_id": parent})
        conn.request("POST", "/api/v1/associations", body, {**auth, "Content-Type": "application/json"})
        created = conn.getresponse()
        created.read()
        started = time.perf_counter()
        conn.request("GET", path, headers=auth)
        answer = conn.getresponse()
        answer.read()
        took.append((time.perf_counter() - started) * 1000)
        if created.status != 201 or answer.status != 200:
            raise SystemExit(f"cold {path}: answered {created.status} and {answer.status}")
    took.sort()
    return statistics.median(took), took[min(len(took) - 1, int(len(took) * 0.99))]


def database_point_queries(database_url, association_id, seconds):
    """The database's own point query by id, per second, measured now."""
    if database_url.startswith("postgres"):
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
            script.write(f"SELECT * FROM associations WHERE id = '{association_id}';\n")
        out = subprocess.run(["pgbench", "-n", "-c4", "-j2", f"-T{seconds}", "-f", script.name, database_url],
                             capture_output=True, text=True, check=True).stdout
        os.unlink(script.name)
        return float(re.search(r"tps = ([\d.]+)", out).group(1))
    code = ("import sqlite3, sys, time\n"
            "db = sqlite3.connect(sys.argv[1]); n = 0; end = time.monotonic() + float(sys.argv[3])\n"
            "while time.monotonic() < end:\n"
            "    db.execute('SELECT * FROM associations WHERE id = ?', (sys.argv[2],)).fetchall(); n += 1\n"
            "print(n)\n")
    loops = [subprocess.Popen(["python3", "-c", code, database_url, association_id, str(seconds)],
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    return sum(int(p.communicate()[0]) for p in loops) / seconds


# The statements of one create (POST /associations) as the service writes them: the row, its
# audit event, and its change-feed event after the feed's lock (PostgreSQL), in one
# transaction. The database's own floor for case E: what it commits of exactly these.
CREATE_STATEMENTS = [
    "INSERT INTO associations (id, code, name, search_text, level, parent_id, path, depth, address, phone,"
    " email, chair_name, founded_on, dissolved_on, successor_id, version, created_at, updated_at)"
    " VALUES ({id}, {code}, 'Chi hội sàn', 'chi hoi san', 'branch', {parent}, {path}, 4, NULL, NULL,"
    " NULL, NULL, NULL, NULL, NULL, 1, {now}, {now})",
    "INSERT INTO audit_events (id, occurred_at, actor_token_id, actor_name, action, resource_type,"
    " resource_id, version_before, version_after, request_id, scope_path, detail, actor_user_id)"
    " VALUES ({audit_id}, {now}, NULL, 'bench', 'create', 'association', {id}, NULL, 1, NULL, {path}, NULL, NULL)",
    "{lock}",
    "INSERT INTO changes (resource_type, resource_id, op, version, scope_path)"
    " VALUES ('association', {id}, 'upsert', 1, {path})",
]
FEED_LOCK = 0x6B68_6368


def database_create_floor(database_url, parent_id, parent_path, seconds, clients, feed_lock=True):
    """Creates per second the database commits of the statements of one create, measured now:
    pgbench with `clients` clients on PostgreSQL (with the change feed's lock, held to the
    commit, or without it: what the lock costs); one process, a transaction each, on SQLite
    (the sqlite3 shell)."""
    if database_url.startswith("postgres"):
        key = "'f' || :client_id || '-' || :a || '-' || :b"
        values = {"id": key, "code": f"'F' || {key}", "audit_id": f"'a' || {key}",
                  "parent": f"'{parent_id}'", "path": f"'{parent_path}' || {key} || '/'",
                  "now": "now()", "lock": f"SELECT pg_advisory_xact_lock({FEED_LOCK})" if feed_lock else "SELECT 1"}
        script = ("\\set a random(0, 2000000000)\n\\set b random(0, 2000000000)\nBEGIN;\n"
                  + "".join(s.format(**values) + ";\n" for s in CREATE_STATEMENTS) + "COMMIT;\n")
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
            f.write(script)
        out = subprocess.run(["pgbench", "-n", f"-c{clients}", "-j2", f"-T{seconds}", "-f", f.name, database_url],
                             capture_output=True, text=True, check=True).stdout
        os.unlink(f.name)
        return float(re.search(r"tps = ([\d.]+)", out).group(1))
    # SQLite: the sqlite3 shell (compiled; it parses each statement anew, where the service
    # keeps its statements prepared) runs scripts of BATCH transactions until `seconds` pass.
    values = {"id": "'{key}'", "code": "'F{key}'", "audit_id": "'a{key}'", "parent": f"'{parent_id}'",
              "path": f"'{parent_path}{{key}}/'", "now": "strftime('%Y-%m-%d %H:%M:%f', 'now')", "lock": ""}
    transaction = ("BEGIN IMMEDIATE;\n" + "".join(s.format(**values) + ";\n" for s in CREATE_STATEMENTS
                                                   if s != "{lock}") + "COMMIT;\n")
    setup = ("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
             " PRAGMA synchronous = NORMAL;\n")
    batch, committed, took = 2_000, 0, 0.0
    while took < seconds:
        script = setup + "".join(transaction.replace("{key}", uuid.uuid4().hex) for _ in range(batch))
        started = time.perf_counter()
        subprocess.run(["sqlite3", database_url], input=script, capture_output=True, text=True, check=True)
        took += time.perf_counter() - started
        committed += batch
    return committed / took


def main():
    global TOKEN
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--associations", type=int, default=10_001)
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", default="A,B,C,C',D,E,F,F',G,G',G''", help="which cases (A must be among them)")
    args = parser.parse_args()
    TOKEN = args.token
    base = args.base_url
    server = os.environ.get("SERVER_PID")
    idle = rss(server, "VmRSS")
    ids = load(base, args.associations, args.citizens)
    loaded = rss(server, "VmRSS")
    post_script = POST_SCRIPT.replace("@PARENT", ids["elsewhere"]).replace("@TOKEN", TOKEN)
    cases = [
        ("A GET /healthz", "/healthz", 16, None),
        ("B GET /associations/{id}", f"/api/v1/associations/{ids['commune']}", 16, None),
        (f"C subtree of the big province ({ids['big_size']:,}), first page of 50", f"/api/v1/associations?ancestor_id={ids['big']}&page_size=50", 16, None),
        (f"C' subtree of the small province ({ids['small_size']:,}), first page of 50", f"/api/v1/associations?ancestor_id={ids['small']}&page_size=50", 16, None),
        ("D GET /citizens?q=nguyen", "/api/v1/citizens?q=nguyen", 16, None),
        ("E POST /associations", "/api/v1/associations", 16, post_script),
        ("F GET /api-docs/openapi.json", "/api-docs/openapi.json", 16, None),
        ("F' GET /api-docs/openapi.json, Accept-Encoding: gzip", "/api-docs/openapi.json", 16, "gzip"),
        ("G membership report of the big province, asked again (-c4)",
         f"/api/v1/reports/membership?association_id={ids['big']}&year=2025", 4, None),
        ("G' assessments report of the big province, asked again (-c4)",
         f"/api/v1/reports/assessments?association_id={ids['big']}&criteria_set_id={ids['commune_set']}"
         "&period=2025", 4, None),
        # The citizen set: the report counts every citizen of the province (subject_count).
        ("G'' assessments report of the big province, citizen set, asked again (-c4)",
         f"/api/v1/reports/assessments?association_id={ids['big']}&criteria_set_id={ids['citizen_set']}"
         "&period=2025", 4, None),
    ]
    point = database_point_queries(args.database_url, ids["commune"], args.seconds)
    print(f"database point query by id: {point:,.0f}/s")
    # The floor of E, measured just before E (after the reads: its rows would change their plans).
    floor = None

    def create_floor():
        parent = get(base, f"/api/v1/associations/{ids['elsewhere']}")
        parent_path = "/" + "".join(f"{a}/" for a in parent["ancestor_ids"] + [parent["id"]])
        floors = [database_create_floor(args.database_url, ids["elsewhere"], parent_path, args.seconds, 16)]
        if args.database_url.startswith("postgres"):
            floors.append(database_create_floor(args.database_url, ids["elsewhere"], parent_path, args.seconds, 16,
                                                feed_lock=False))
        return floors

    print()
    print(f"| case | rps (median of {args.runs}) | p50 ms | p99 ms | ÷ A | ÷ database | non-2xx |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    healthz = None
    failed = []
    wanted = args.cases.split(",")
    for name, path, connections, extra in cases:
        if name.split(" ")[0] not in wanted:
            continue
        if name.startswith("E "):
            floors = create_floor()
            floor = floors[0]
            print(f"| E's floor: the database commits one create's statements (16 clients) | {floor:,.0f} "
                  "| – | – | – | – | – |", flush=True)
            if len(floors) > 1:
                print(f"| the same without the change feed's lock | {floors[1]:,.0f} | – | – | – | – | – |",
                      flush=True)
        # `extra`: the POST script of E, or the encoding F' accepts.
        script, header = (None, f"Accept-Encoding: {extra}") if extra == "gzip" else (extra, None)
        wrk(base + path, max(2, args.seconds // 2), connections, script, header)  # warm-up
        runs = [wrk(base + path, args.seconds, connections, script, header) for _ in range(args.runs)]
        rps = statistics.median(r[0] for r in runs)
        p50 = statistics.median(r[1] for r in runs)
        p99 = statistics.median(r[2] for r in runs)
        errors = sum(r[3] for r in runs)
        if errors:
            failed.append(name)
        healthz = healthz or rps
        # A read against the point query; a create against the commits of its statements.
        database = floor if name.startswith("E ") else point
        print(f"| {name} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {rps / healthz:.3f} | {rps / database:.3f} | {errors} |",
              flush=True)
    reports = [(name, path) for name, path, *_ in cases if name.split(" ")[0] in ("G", "G'", "G''")]
    for name, path in reports:
        if name.split(" ")[0] in wanted:
            p50, p99 = cold_latencies(base, path, ids["elsewhere"], 20 * args.seconds)
            print(f"| {name.split(' ')[0]} built anew after a write (one client, {20 * args.seconds} times) "
                  f"| – | {p50:.2f} | {p99:.2f} | – | – | 0 |", flush=True)
    if server:
        print(f"\nserver memory: {idle:.0f} MiB idle at start, {loaded:.0f} MiB after loading, "
              f"{rss(server, 'VmRSS'):.0f} MiB at the end, peak {rss(server, 'VmHWM'):.0f} MiB")
    if failed:
        raise SystemExit(f"answers other than 2xx in: {', '.join(failed)}")


def rss(pid, field):
    """The server's resident memory (`VmRSS`) or its peak (`VmHWM`), MiB."""
    if not pid:
        return 0.0
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    main()
