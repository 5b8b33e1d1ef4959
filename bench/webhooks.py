"""Webhooks: how fast the change feed reaches a receiver on loopback.

1. Backlog: the subscription paused, N changes are made (associations
   created by 8 clients), then it is resumed; reports events delivered per
   second until the receiver has all N.
2. Delay: with the subscription active, changes at a steady rate; for each
   event the time from its `changed_at` (the database's clock, in the
   change's own transaction) to its arrival at the receiver: p50, p99.

The receiver is Python's threaded HTTP server answering 204 at once (no
signature check: that is the receiver's cost, not the service's). Run
through bench/run.sh (release build, both backends):

    bash bench/run.sh webhooks [--events 5000] [--rate 100] [--seconds 10]
"""

import argparse
import datetime
import http.client
import http.server
import json
import threading
import time
import uuid


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    host = args.base_url.split("//")[1]
    headers = {"Authorization": f"Bearer {args.token}", "Content-Type": "application/json"}

    arrivals, lock = [], threading.Lock()

    class Hook(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            at = time.time()
            event = json.loads(body)
            with lock:
                arrivals.append((at, event["data"]["seq"], event["data"]["changed_at"]))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_):
            pass

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()

    def call(method, path, body=None, conn=None):
        c = conn or http.client.HTTPConnection(host, timeout=60)
        c.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = c.getresponse()
        data = response.read()
        assert response.status < 300, (method, path, response.status, data)
        return json.loads(data) if data else None

    hook = call("POST", "/api/v1/webhooks", {
        "url": f"http://127.0.0.1:{receiver.server_address[1]}/hook", "event_types": ["association.*"]})
    province = call("POST", "/api/v1/associations", {
        "code": f"P{uuid.uuid4().hex[:8]}", "name": "Tỉnh", "level": "province"})["id"]

    def wait_for(count, limit=600):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            with lock:
                if len(arrivals) >= count:
                    return
            time.sleep(0.005)
        raise SystemExit(f"only {len(arrivals)} of {count} events arrived")

    wait_for(1)

    def create(n, i, conn):
        call("POST", "/api/v1/associations", {
            "code": f"W{n}-{i}-{uuid.uuid4().hex[:6]}", "name": f"Xã {n}-{i}", "level": "commune",
            "parent_id": province}, conn)

    # 1. A backlog, delivered after a resume.
    call("POST", f"/api/v1/webhooks/{hook['id']}/pause")

    def writer(n, count):
        conn = http.client.HTTPConnection(host, timeout=60)
        for i in range(count):
            create(n, i, conn)

    clients = 8
    threads = [threading.Thread(target=writer, args=(n, args.events // clients)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    backlog = clients * (args.events // clients)
    with lock:
        before = len(arrivals)
    started = time.monotonic()
    call("POST", f"/api/v1/webhooks/{hook['id']}/resume")
    wait_for(before + backlog)
    drained = time.monotonic() - started
    with lock:
        seqs = [int(s) for _, s, _ in arrivals[before:]]
    in_order = all(a < b for a, b in zip(seqs, seqs[1:]))

    # 2. The delay from a change to its arrival, at a steady rate.
    with lock:
        before = len(arrivals)
    conn = http.client.HTTPConnection(host, timeout=60)
    total = int(args.rate * args.seconds)
    start = time.monotonic()
    for i in range(total):
        pause = start + i / args.rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        create("d", i, conn)
    wait_for(before + total)
    with lock:
        steady = arrivals[before:before + total]

    def stamp(text):
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()

    delays = sorted((at - stamp(changed_at)) * 1000 for at, _, changed_at in steady)

    def pct(p):
        return round(delays[min(len(delays) - 1, int(p * len(delays)))], 1)

    print(json.dumps({
        "backlog_events": backlog, "drained_s": round(drained, 2),
        "events_per_s": round(backlog / drained, 1), "in_order": in_order,
        "steady_rate_per_s": args.rate, "steady_events": len(steady),
        "delay_p50_ms": pct(0.50), "delay_p99_ms": pct(0.99), "delay_max_ms": pct(1.0),
    }))
    receiver.shutdown()


if __name__ == "__main__":
    main()
