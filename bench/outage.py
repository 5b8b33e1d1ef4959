"""A PostgreSQL outage under load (run by bench/outage.sh): 8 client threads
read and write for --seconds while PostgreSQL is stopped from --down-at for
--down-for seconds; /readyz is probed every 200 ms. Prints, per phase
(before, down, after), the answers by status and the slowest answer, and
how long after the restart the first write succeeded."""

import argparse
import http.client
import json
import subprocess
import threading
import time
import uuid


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base-url", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--seconds", type=float, default=25)
    p.add_argument("--down-at", type=float, default=5)
    p.add_argument("--down-for", type=float, default=5)
    p.add_argument("--cluster", required=True, help="VERSION for pg_ctlcluster")
    a = p.parse_args()
    host = a.base_url.split("//")[1]
    headers = {"Authorization": f"Bearer {a.token}", "Content-Type": "application/json"}
    c = http.client.HTTPConnection(host)
    c.request("POST", "/api/v1/associations", json.dumps({"code": "P", "name": "P", "level": "province"}), headers)
    province = json.loads(c.getresponse().read())["id"]

    start = time.monotonic()
    state = {"phase": "before", "restarted_at": None}
    results, lock = [], threading.Lock()

    def record(kind, status, took):
        with lock:
            results.append((state["phase"], kind, status, took, time.monotonic()))

    def client(n):
        conn = http.client.HTTPConnection(host, timeout=30)
        i = 0
        while time.monotonic() - start < a.seconds:
            i += 1
            if i % 2:
                method, path, body = "GET", f"/api/v1/associations/{province}", None
            else:
                method, path = "POST", "/api/v1/associations"
                body = json.dumps({"code": f"C{n}-{i}-{uuid.uuid4().hex[:6]}", "name": "x",
                                   "level": "commune", "parent_id": province})
            t = time.monotonic()
            try:
                conn.request(method, path, body, headers)
                r = conn.getresponse()
                r.read()
                status = r.status
            except Exception:
                status = "no answer"
                conn = http.client.HTTPConnection(host, timeout=30)
            record(method, status, time.monotonic() - t)
            time.sleep(0.02)

    def probe():
        conn = http.client.HTTPConnection(host, timeout=30)
        while time.monotonic() - start < a.seconds:
            t = time.monotonic()
            try:
                conn.request("GET", "/readyz")
                r = conn.getresponse()
                r.read()
                status = r.status
            except Exception:
                status = "no answer"
                conn = http.client.HTTPConnection(host, timeout=30)
            record("readyz", status, time.monotonic() - t)
            time.sleep(0.2)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    threads.append(threading.Thread(target=probe))
    for t in threads:
        t.start()
    time.sleep(a.down_at)
    state["phase"] = "down"
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", a.cluster, "main", "stop", "-m", "fast"], check=True)
    time.sleep(a.down_for)
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", a.cluster, "main", "start"], check=True)
    state["phase"] = "after"
    state["restarted_at"] = time.monotonic()
    for t in threads:
        t.join()

    summary = {}
    for phase, kind, status, took, _ in results:
        s = summary.setdefault(f"{phase} {kind}", {"statuses": {}, "max_ms": 0})
        s["statuses"][str(status)] = s["statuses"].get(str(status), 0) + 1
        s["max_ms"] = max(s["max_ms"], round(took * 1000))
    first_write = min((at for phase, kind, status, _, at in results
                       if phase == "after" and kind == "POST" and status == 201), default=None)
    summary["first write after restart (s)"] = (
        round(first_write - state["restarted_at"], 2) if first_write else None)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
