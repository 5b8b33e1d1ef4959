"""Concurrent writers: N clients creating associations under one province as
fast as they can for a fixed time; reports creates/s, latency percentiles,
errors by status, the server's resident memory idle before and at its peak
(`SERVER_PID`, given by bench/run.sh) and, on SQLite, the size of the
write-ahead log after the run. Run through bench/run.sh (release build, both
backends):

    bash bench/run.sh writers [--clients 64] [--seconds 20]
"""

import argparse
import http.client
import json
import os
import statistics
import threading
import time
import uuid


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    host = args.base_url.split("//")[1]
    headers = {"Authorization": f"Bearer {args.token}", "Content-Type": "application/json"}

    idle_mib = memory("VmRSS")
    conn = http.client.HTTPConnection(host)
    conn.request("POST", "/api/v1/associations", json.dumps(
        {"code": f"P{uuid.uuid4().hex[:8]}", "name": "Tỉnh", "level": "province"}), headers)
    province = json.loads(conn.getresponse().read())["id"]

    latencies, statuses, lock = [], {}, threading.Lock()
    deadline = time.monotonic() + args.seconds

    def writer(n):
        c = http.client.HTTPConnection(host, timeout=30)
        i = 0
        while time.monotonic() < deadline:
            body = json.dumps({"code": f"W{n}-{i}-{uuid.uuid4().hex[:6]}", "name": f"Xã {n}-{i}",
                               "level": "commune", "parent_id": province})
            started = time.monotonic()
            try:
                c.request("POST", "/api/v1/associations", body, headers)
                response = c.getresponse()
                response.read()
                status = response.status
            except Exception:
                status = "error"
                c = http.client.HTTPConnection(host, timeout=30)
            took = time.monotonic() - started
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 201:
                    latencies.append(took)
            i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(args.clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

    wal = args.database_url + "-wal"
    wal_size = os.path.getsize(wal) if os.path.exists(wal) else None
    print(json.dumps({
        "clients": args.clients, "seconds": round(elapsed, 1),
        "creates_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(0.50), 1), "p99_ms": round(pct(0.99), 1), "max_ms": round(pct(1.0), 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
        "wal_bytes": wal_size,
        "rss_idle_mib": idle_mib, "rss_peak_mib": memory("VmHWM"),
    }))


def memory(field):
    """The server's resident memory now (`VmRSS`) or at its peak (`VmHWM`), MiB."""
    pid = os.environ.get("SERVER_PID")
    if not pid:
        return None
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


if __name__ == "__main__":
    main()
