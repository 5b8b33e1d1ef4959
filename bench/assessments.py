#!/usr/bin/env python3
"""Benchmark of assessment and citizen lists with 100,000 citizens and
100,000 assessments, against the association list on the same database.

    python3 bench/assessments.py --base-url URL --token TOKEN --database-url DATABASE_URL [--citizens 100000]

The tree (a province, 10 districts, 10 communes each) is made through the
API; citizens and assessments are then loaded straight into the database
(SQLite through Python's sqlite3, PostgreSQL through psql COPY), since
200,000 single POSTs would take many minutes. Prints medians and p95 in ms,
and the query plans of the subtree + period filter on the backend.
"""
import argparse
import csv
import io
import json
import random
import sqlite3
import statistics
import subprocess
import time
import urllib.request
import uuid

TOKEN = None


def request(base, path, method="GET", data=None):
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {TOKEN}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    return req


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(request(base, path, method, data)) as response:
        return json.loads(response.read())


def create(base, code, name, level, parent):
    body = {"code": code, "name": name, "level": level, "parent_id": parent}
    return call(base, "POST", "/api/v1/associations", body)["id"]


def rows(communes, set_id, count):
    """Citizens, one per row, and one assessment each for 2026."""
    now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    rng = random.Random(7)
    citizens, assessments = [], []
    for n in range(count):
        commune = communes[n % len(communes)]
        citizen_id = str(uuid.uuid4())
        name = f"Công dân {n}"
        citizens.append((citizen_id, None, name, name.lower(), 1950 + n % 50, None, commune, None, None, None, 1, now, now))
        status = rng.choice(["draft", "submitted", "approved", "approved"])
        total = rng.randint(50, 100)
        rating = "good" if total >= 80 else "not_met"
        assessments.append((str(uuid.uuid4()), set_id, "citizen", citizen_id, commune, 2026, commune, "[]", total, 100, 10,
                            True, rating, rating == "good", status, now if status != "draft" else None,
                            now if status == "approved" else None, None, 1, now, now))
    return citizens, assessments


def load_sqlite(path, citizens, assessments):
    db = sqlite3.connect(path)
    with db:
        db.executemany("INSERT INTO citizens VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", citizens)
        db.executemany("INSERT INTO assessments VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", assessments)
    db.execute("ANALYZE")
    db.close()


def load_postgres(url, citizens, assessments):
    for table, data in (("citizens", citizens), ("assessments", assessments)):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in data:
            writer.writerow(["\\N" if v is None else ("t" if v is True else "f" if v is False else v) for v in row])
        subprocess.run(["psql", url, "-qc", f"COPY {table} FROM STDIN WITH (FORMAT csv, NULL '\\N')"],
                       input=buffer.getvalue(), text=True, check=True)
    subprocess.run(["psql", url, "-qc", "ANALYZE"], check=True)


def plan(database_url, sql_sqlite, sql_pg):
    if database_url.startswith("postgres"):
        out = subprocess.run(["psql", database_url, "-Atc", "EXPLAIN " + sql_pg], capture_output=True, text=True, check=True)
        return out.stdout.strip()
    db = sqlite3.connect(database_url.removeprefix("sqlite://"))
    lines = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql_sqlite)]
    db.close()
    return "\n".join(lines)


def timed(base, path, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        urllib.request.urlopen(request(base, path)).read()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    global TOKEN
    TOKEN = args.token
    base = args.base_url

    province = create(base, "P", "Hội Khuyến học tỉnh", "province", None)
    districts, communes = [], []
    for d in range(10):
        district = create(base, f"D{d}", f"Hội Khuyến học huyện {d}", "district", province)
        districts.append(district)
        for c in range(10):
            communes.append(create(base, f"C{d}{c}", f"Hội Khuyến học xã {d}-{c}", "commune", district))
    set_id = call(base, "GET", "/api/v1/criteria-sets?code=citizen")["items"][0]["id"]
    citizens, assessments = rows(communes, set_id, args.citizens)
    start = time.perf_counter()
    if args.database_url.startswith("postgres"):
        load_postgres(args.database_url, citizens, assessments)
    else:
        load_sqlite(args.database_url.removeprefix("sqlite://"), citizens, assessments)
    print(f"loaded {len(citizens)} citizens and {len(assessments)} assessments in {time.perf_counter() - start:.1f} s")

    district = districts[0]
    first = call(base, "GET", f"/api/v1/assessments?ancestor_id={district}&period=2026&status=approved&page_size=500")
    token = first["next_page_token"]
    cases = [
        ("associations below the province (50)", f"/api/v1/associations?ancestor_id={province}"),
        ("citizens of a district (50)", f"/api/v1/citizens?ancestor_id={district}"),
        ("district's approved 2026 assessments (50)",
         f"/api/v1/assessments?ancestor_id={district}&period=2026&status=approved"),
        ("same, page of 500", f"/api/v1/assessments?ancestor_id={district}&period=2026&status=approved&page_size=500"),
        ("recognised 2026 assessments, whole tree (50)", "/api/v1/assessments?period=2026&recognised=true"),
        ("one citizen's assessments", f"/api/v1/citizens/{citizens[0][0]}/assessments"),
    ]
    if token:
        cases.insert(4, ("same, 2nd page of 500",
                         f"/api/v1/assessments?ancestor_id={district}&period=2026&status=approved"
                         f"&page_size=500&page_token={token}"))
    print(f"{'query':46} {'median ms':>10} {'p95 ms':>8}")
    for name, path in cases:
        median, p95 = timed(base, path, args.repeat)
        print(f"{name:46} {median:10.2f} {p95:8.2f}")

    subtree = ("SELECT id FROM assessments WHERE subject_association_id IN "
               "(SELECT id FROM associations WHERE path >= '/x/' AND path < '/x0') "
               "AND period = 2026 AND status = 'approved' ORDER BY id LIMIT 51")
    print("plan of the subtree + period + status filter:")
    print(plan(args.database_url, subtree, subtree))


if __name__ == "__main__":
    main()
