"""Soak: a steady mixed load at a fixed rate for ten minutes, as a province's
server sees it through a working day: reads by id (40 %), subtree lists
(20 %), changes to existing communes (25 %), and communes created and
deleted again (15 %), so that the data stays the size it starts at and
memory growth means a leak, not more data. Each minute it prints the rate achieved, errors,
latency p50/p99, the server's resident memory and, on SQLite, the size of
the write-ahead log. Passes when there are no errors, memory grows less than
10 % after the first minute (warm-up) and the log stays bounded. Not run by
CI. Run through bench/run.sh (release build, both backends):

    bash bench/run.sh soak [--rate 700] [--minutes 10]

Choose --rate as half the backend's maximum of bench/writers.py.
"""

import argparse
import http.client
import json
import os
import random
import statistics
import threading
import time
import uuid


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wal_bytes(database_url):
    if database_url.startswith("postgres"):
        return None
    path = database_url + "-wal"
    return os.path.getsize(path) if os.path.exists(path) else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rate", type=float, default=700, help="requests per second in all")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    pid = int(os.environ["SERVER_PID"])
    host = args.base_url.split("//")[1]
    headers = {"Authorization": f"Bearer {args.token}", "Content-Type": "application/json"}

    conn = http.client.HTTPConnection(host)
    conn.request("POST", "/api/v1/associations", json.dumps(
        {"code": f"P{uuid.uuid4().hex[:8]}", "name": "Tỉnh", "level": "province"}), headers)
    province = json.loads(conn.getresponse().read())["id"]
    districts, communes = [], []
    for d in range(20):
        conn.request("POST", "/api/v1/associations", json.dumps(
            {"code": f"D{d}-{uuid.uuid4().hex[:6]}", "name": f"Huyện {d}", "level": "district",
             "parent_id": province}), headers)
        district = json.loads(conn.getresponse().read())["id"]
        districts.append(district)
        for c in range(100):
            conn.request("POST", "/api/v1/associations", json.dumps(
                {"code": f"C{d}-{c}-{uuid.uuid4().hex[:6]}", "name": f"Xã {d}-{c}",
                 "level": "commune", "parent_id": district}), headers)
            communes.append(json.loads(conn.getresponse().read())["id"])

    lock = threading.Lock()
    minute = {"latencies": [], "statuses": {}}
    deadline = time.monotonic() + args.minutes * 60
    interval = args.clients / args.rate

    def client(n):
        c = http.client.HTTPConnection(host, timeout=30)
        rng = random.Random(n)
        next_at = time.monotonic() + rng.random() * interval
        i = 0
        while next_at < deadline:
            pause = next_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            next_at += interval
            pick = rng.random()
            district = rng.choice(districts)
            commune = rng.choice(communes)
            if pick < 0.40:
                requests = [("GET", f"/api/v1/associations/{commune}", None)]
            elif pick < 0.60:
                requests = [("GET", f"/api/v1/associations?ancestor_id={district}&page_size=50", None)]
            elif pick < 0.85:
                requests = [("PATCH", f"/api/v1/associations/{commune}",
                             json.dumps({"chair_name": f"Chủ tịch {n}-{i}"}))]
            else:
                requests = [("POST", "/api/v1/associations", json.dumps(
                    {"code": f"S{n}-{i}-{uuid.uuid4().hex[:6]}", "name": f"Xã {n}-{i}",
                     "level": "commune", "parent_id": district}))]
            for method, path, body in requests:
                started = time.monotonic()
                try:
                    c.request(method, path, body, headers)
                    response = c.getresponse()
                    payload = response.read()
                    status = response.status
                except Exception:
                    status, payload = "error", b""
                    c = http.client.HTTPConnection(host, timeout=30)
                took = time.monotonic() - started
                with lock:
                    minute["statuses"][status] = minute["statuses"].get(status, 0) + 1
                    minute["latencies"].append(took)
                if method == "POST" and status == 201:
                    # The commune created is deleted again: the data keeps its size.
                    created = json.loads(payload)["id"]
                    requests.append(("DELETE", f"/api/v1/associations/{created}", None))
            i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for t in threads:
        t.start()
    rows, errors = [], 0
    started = time.monotonic()
    print("| minute | requests/s | errors | p50 ms | p99 ms | RSS MiB | WAL MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    while any(t.is_alive() for t in threads):
        time.sleep(60 - (time.monotonic() - started) % 60)
        with lock:
            latencies, statuses = minute["latencies"], minute["statuses"]
            minute["latencies"], minute["statuses"] = [], {}
        if not latencies:
            break
        bad = sum(count for status, count in statuses.items() if status not in (200, 201, 204))
        errors += bad
        latencies.sort()
        rss = rss_kib(pid) / 1024
        wal = wal_bytes(args.database_url)
        rows.append((rss, wal))
        print(f"| {len(rows)} | {len(latencies) / 60:.0f} | {bad} | "
              f"{statistics.median(latencies) * 1000:.1f} | "
              f"{latencies[int(len(latencies) * 0.99)] * 1000:.1f} | {rss:.1f} | "
              f"{'–' if wal is None else f'{wal / 2**20:.1f}'} |", flush=True)
    for t in threads:
        t.join()
    warm = rows[0][0]
    peak = max(rss for rss, _ in rows[1:]) if len(rows) > 1 else warm
    growth = (peak - warm) / warm * 100
    wal_peak = max((wal or 0) for _, wal in rows) / 2**20
    verdict = "PASS" if errors == 0 and growth < 10 and wal_peak <= 64 else "FAIL"
    print(f"\n{verdict}: {errors} errors; RSS {warm:.1f} MiB after the first minute, "
          f"peak {peak:.1f} MiB later ({growth:+.1f} %); WAL peak {wal_peak:.1f} MiB")


if __name__ == "__main__":
    main()
