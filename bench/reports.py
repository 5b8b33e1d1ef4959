#!/usr/bin/env python3
"""Benchmark of the reports with 10,000 associations and 1,000,000 assessments.

    python3 bench/reports.py --base-url URL --token TOKEN --database-url DATABASE_URL [--assessments 1000000] [--repeat 20]

The data is loaded straight into the database of a running server (SQLite
through Python's sqlite3, PostgreSQL through psql COPY from a stream): the
tree of bench/associations.py (1 central, 34 provinces, 321 districts of 10
communes with 2 branches each: 9,986 associations), yearly statistics of
every association for 2016-2025, membership targets for every province and
district, and ASSESSMENTS assessments for 2024 and 2025 (citizens of
communes and branches, units, communes against the commune framework,
districts against the 19 criteria) with a seeded mix of statuses and
ratings. Then every report is timed REPEAT times, for a province and for
the whole tree; prints medians and p95 in ms, and the query plan of the
assessments roll-up. Standard library only.
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
NOW = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
PERIODS = (2024, 2025)


def request(base, path, accept="application/json"):
    req = urllib.request.Request(base + path)
    req.add_header("Authorization", f"Bearer {TOKEN}")
    req.add_header("Accept", accept)
    return req


def get(base, path):
    with urllib.request.urlopen(request(base, path)) as response:
        return json.loads(response.read())


def tree(rng):
    """(id, code, name, level, parent_id, path, depth) rows, parents first."""
    def new_id():
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    rows = []

    def add(code, name, level, parent):
        id_ = new_id()
        path = (parent[5] if parent else "/") + id_ + "/"
        row = (id_, code, name, level, parent[0] if parent else None, path, parent[6] + 1 if parent else 0)
        rows.append(row)
        return row

    root = add("VN", "Trung ương Hội Khuyến học Việt Nam", "central", None)
    provinces = [add(f"P{p:02}", f"Hội Khuyến học tỉnh {p:02}", "province", root) for p in range(34)]
    for d in range(321):
        district = add(f"D{d:04}", f"Hội Khuyến học huyện Trấn Yên {d}", "district", provinces[d % 34])
        for c in range(10):
            commune = add(f"C{d:04}{c}", f"Hội Khuyến học xã Đào Thịnh {d}-{c}", "commune", district)
            for b in range(2):
                add(f"B{d:04}{c}{b}", f"Chi hội thôn Đồng {d}-{c}-{b}", "branch", commune)
    return rows


def association_rows(associations):
    for (id_, code, name, level, parent, path, depth) in associations:
        yield (id_, code, name, name.lower(), level, parent, path, depth, None, None, None, None, None, None, None,
               1, NOW, NOW)


def stats_rows(associations, rng):
    for a in associations:
        population = rng.randint(2_000, 20_000) if a[3] in ("commune", "branch") else None
        for year in range(2016, 2026):
            members = rng.randint(0, population // 3) if population else rng.randint(0, 500)
            yield (str(uuid.uuid4()), a[0], year, members, population, population // 4 if population else None,
                   rng.randint(0, 30), rng.randint(0, 10**9), rng.randint(0, 200), rng.randint(0, 10**8), None,
                   1, NOW, NOW)


def target_rows(associations):
    for a in associations:
        if a[3] in ("province", "district"):
            yield (str(uuid.uuid4()), a[0], "membership_ratio", 2025, 0.35, 0.4, None, 1, NOW, NOW)


def assessment_rows(associations, sets, count, rng):
    communes = [a for a in associations if a[3] == "commune"]
    districts = [a for a in associations if a[3] == "district"]
    grassroots = [a for a in associations if a[3] in ("commune", "branch")]
    statuses = ("draft", "submitted", "approved", "approved", "approved")

    def row(set_id, kind, subject, home, period, results, total, max_score, met, rating, recognised):
        status = rng.choice(statuses)
        return (str(uuid.uuid4()), set_id, kind, subject, home, period, home, results, total, max_score, met,
                rating != "not_met", rating, recognised, status, NOW if status != "draft" else None,
                NOW if status == "approved" else None, None, 1, NOW, NOW)

    made = 0
    for period in PERIODS:
        for d in districts:
            met = rng.randint(12, 19)
            results = json.dumps([{"criterion_code": f"TC{n:02}", "met": n <= met, "score": int(n <= met)}
                                  for n in range(1, 20)])
            rating = "excellent" if met == 19 else "good" if met >= 14 else "not_met"
            yield row(sets["learning-district"], "district", d[0], d[0], period, results, met, 19, met, rating,
                      rating != "not_met")
            made += 1
        for c in communes:
            met = rng.randint(1, 5)
            rating = "excellent" if met == 5 else "good" if met >= 3 else "not_met"
            yield row(sets["learning-community-commune"], "commune", c[0], c[0], period, "[]", met, 5, met, rating,
                      rating != "not_met")
            made += 1
    units = count // 12
    for n in range(units):
        home = grassroots[n % len(grassroots)]
        total = rng.randint(40, 100)
        rating = "excellent" if total >= 85 else "good" if total >= 70 else "fair" if total >= 50 else "not_met"
        yield row(sets["unit"], "unit", str(uuid.uuid4()), home[0], PERIODS[n % 2], "[]", total, 100, 3, rating,
                  rating in ("excellent", "good"))
        made += 1
    for n in range(count - made):
        home = grassroots[n % len(grassroots)]
        total = rng.randint(50, 100)
        rating = "good" if total >= 80 else "not_met"
        yield row(sets["citizen"], "citizen", str(uuid.uuid4()), home[0], PERIODS[n % 2], "[]", total, 100, 10,
                  rating, rating == "good")


TABLES = {
    "associations": "id, code, name, search_text, level, parent_id, path, depth, address, phone, email, chair_name, "
                    "founded_on, dissolved_on, successor_id, version, created_at, updated_at",
    "yearly_stats": "id, association_id, year, member_count, population, households, branch_count, fund_raised_vnd, "
                    "scholarship_count, scholarship_value_vnd, note, version, created_at, updated_at",
    "targets": "id, association_id, metric, year, min_value, max_value, note, version, created_at, updated_at",
    "assessments": "id, criteria_set_id, subject_kind, subject_id, subject_association_id, period, "
                   "assessor_association_id, results, total_score, max_score, met_count, required_met, rating, "
                   "recognised, status, submitted_at, reviewed_at, reviewer_note, version, created_at, updated_at",
}


def load_sqlite(path, data):
    db = sqlite3.connect(path)
    with db:
        for table, rows in data:
            columns = TABLES[table]
            marks = ",".join("?" * len(columns.split(",")))
            db.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
    db.execute("ANALYZE")
    db.close()


def load_postgres(url, data):
    for table, rows in data:
        copy = subprocess.Popen(["psql", url, "-qc", f"COPY {table} ({TABLES[table]}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"],
                                stdin=subprocess.PIPE, text=True)
        writer = csv.writer(copy.stdin)
        for row in rows:
            writer.writerow(["\\N" if v is None else ("t" if v is True else "f" if v is False else v) for v in row])
        copy.stdin.close()
        if copy.wait() != 0:
            raise SystemExit(f"COPY {table} failed")
    # What autovacuum does after a bulk load: statistics and the visibility map
    # (index-only scans skip the heap only for pages it marks all-visible).
    subprocess.run(["psql", url, "-qc", "VACUUM ANALYZE"], check=True)


def timed(base, path, repeat, accept="application/json"):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        with urllib.request.urlopen(request(base, path, accept)) as response:
            response.read()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def plan(database_url, sql_text):
    if database_url.startswith("postgres"):
        out = subprocess.run(["psql", database_url, "-Atc", "EXPLAIN " + sql_text], capture_output=True, text=True,
                             check=True)
        return out.stdout.strip()
    db = sqlite3.connect(database_url.removeprefix("sqlite://"))
    lines = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql_text)]
    db.close()
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--assessments", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--no-load", action="store_true",
                        help="time a database this script loaded before (same seed, same ids)")
    args = parser.parse_args()
    global TOKEN
    TOKEN = args.token
    base = args.base_url

    sets = {code: get(base, f"/api/v1/criteria-sets?code={code}&status=published")["items"][0]["id"]
            for code in ("citizen", "unit", "learning-community-commune", "learning-district")}
    rng = random.Random(7)
    associations = tree(rng)
    data = [
        ("associations", association_rows(associations)),
        ("yearly_stats", stats_rows(associations, rng)),
        ("targets", target_rows(associations)),
        ("assessments", assessment_rows(associations, sets, args.assessments, rng)),
    ]
    if not args.no_load:
        start = time.perf_counter()
        if args.database_url.startswith("postgres"):
            load_postgres(args.database_url, data)
        else:
            load_sqlite(args.database_url.removeprefix("sqlite://"), data)
        print(f"loaded {len(associations)} associations, their statistics for 10 years and "
              f"{args.assessments} assessments in {time.perf_counter() - start:.0f} s")

    root, province = associations[0][0], associations[1][0]
    district = next(a[0] for a in associations if a[3] == "district" and a[4] == province)
    citizen = sets["citizen"]
    commune_set = sets["learning-community-commune"]
    cases = [
        ("membership, province", f"membership?association_id={province}&year=2025"),
        ("membership, whole tree", f"membership?association_id={root}&year=2025"),
        ("assessments (citizens), province", f"assessments?association_id={province}&criteria_set_id={citizen}&period=2025"),
        ("assessments (citizens), province, CSV", f"assessments?association_id={province}&criteria_set_id={citizen}&period=2025"),
        ("assessments (citizens), whole tree", f"assessments?association_id={root}&criteria_set_id={citizen}&period=2025"),
        ("assessments (communes), province", f"assessments?association_id={province}&criteria_set_id={commune_set}&period=2025"),
        ("learning district, a district", f"learning-district?association_id={district}&period=2025"),
        ("trend membership 2016-2025, province", f"trend?association_id={province}&metric=membership_ratio&from=2016&to=2025"),
        ("trend membership 2016-2025, whole tree", f"trend?association_id={root}&metric=membership_ratio&from=2016&to=2025"),
        ("trend citizens 2024-2025, province", f"trend?association_id={province}&metric=recognised_citizen_ratio&from=2024&to=2025"),
        ("trend citizens 2024-2025, whole tree", f"trend?association_id={root}&metric=recognised_citizen_ratio&from=2024&to=2025"),
    ]
    total = get(base, cases[2][1].join(["/api/v1/reports/", ""]))["total"]["counts"]["assessment_count"]
    whole = get(base, cases[4][1].join(["/api/v1/reports/", ""]))["total"]["counts"]["assessment_count"]
    print(f"citizen assessments of 2025: {total} in the province, {whole} in the whole tree")
    print(f"{'report':42} {'median ms':>10} {'p95 ms':>8}")
    for name, path in cases:
        accept = "text/csv" if name.endswith("CSV") else "application/json"
        median, p95 = timed(base, "/api/v1/reports/" + path, args.repeat, accept)
        print(f"{name:42} {median:10.1f} {p95:8.1f}")

    roll_up = ("SELECT subject_association_id, status, rating, recognised, COUNT(*) FROM assessments "
               f"WHERE period = 2025 AND criteria_set_id = '{citizen}' AND subject_association_id IN "
               f"(SELECT id FROM associations WHERE path >= '/{root}/{province}/' AND path < '/{root}/{province}0') "
               "GROUP BY subject_association_id, status, rating, recognised")
    print("plan of the assessments roll-up of a province:")
    print(plan(args.database_url, roll_up))


if __name__ == "__main__":
    main()
