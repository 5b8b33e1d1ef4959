#!/usr/bin/env python3
"""Reports and exports in the forms people use, on the worst realistic shape.

    bash bench/run.sh forms [--citizens 1000000] [--repeat 10]

Loads, through the import endpoints, the tree of bench/throughput.py (10,001
associations; the big province has 3,330 below it: 30 districts of 110
communes), every association's 2025 statistics, a 2025 membership target of
the big province, and CITIZENS citizens. Then:

- the big province's membership report as JSON, CSV, XLSX, SVG, PNG and
  PDF, each built anew (a write to the province first, so the report cache
  holds nothing) and asked again (answered from the cache), REPEAT times:
  medians in ms;
- the peak resident memory of the server (VmHWM, reset before each run
  through /proc/PID/clear_refs) while it streams every citizen as NDJSON and
  as a workbook.

Needs SERVER_PID (bench/run.sh sets it). Standard library only.
"""
import argparse
import json
import os
import statistics
import time
import urllib.request

import throughput

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMS = [("JSON", "application/json"), ("CSV", "text/csv"), ("XLSX", XLSX),
         ("SVG", "image/svg+xml"), ("PNG", "image/png"), ("PDF", "application/pdf")]


def fetch(base, path, accept, sink=False):
    """The answer's size in bytes; read in chunks when `sink`."""
    request = urllib.request.Request(base + path)
    request.add_header("Authorization", f"Bearer {throughput.TOKEN}")
    request.add_header("Accept", accept)
    size = 0
    with urllib.request.urlopen(request, timeout=1200) as response:
        if not sink:
            return len(response.read())
        while chunk := response.read(1 << 20):
            size += len(chunk)
    return size


def touch(base, association):
    """A change to the association, so that every report is built anew."""
    current = throughput.get(base, f"/api/v1/associations/{association}")
    request = urllib.request.Request(base + f"/api/v1/associations/{association}", method="PATCH",
                                     data=json.dumps({"chair_name": f"Chủ tịch {time.time()}"}).encode())
    request.add_header("Authorization", f"Bearer {throughput.TOKEN}")
    request.add_header("Content-Type", "application/merge-patch+json")
    request.add_header("If-Match", f"\"{current['version']}\"")
    urllib.request.urlopen(request).read()


def memory(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise SystemExit(f"no {field} for {pid}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    throughput.TOKEN = args.token
    base, pid = args.base_url, os.environ["SERVER_PID"]

    ids = throughput.load(base, 10_001, args.citizens)
    big = ids["big"]
    throughput.post(base, "/api/v1/targets", json.dumps({"association_id": big, "metric": "membership_ratio",
                                                         "year": 2025, "min_value": 0.35, "max_value": 0.4}),
                    "application/json")
    path = f"/api/v1/reports/membership?association_id={big}&year=2025"
    anew = {name: [] for name, _ in FORMS}
    again = {name: [] for name, _ in FORMS}
    sizes = {}
    for _ in range(args.repeat):
        for name, accept in FORMS:
            touch(base, big)
            started = time.perf_counter()
            sizes[name] = fetch(base, path, accept)
            anew[name].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            fetch(base, path, accept)
            again[name].append((time.perf_counter() - started) * 1000)
    print(f"membership report of the big province ({ids['big_size']:,} associations below, 30 children), "
          f"medians of {args.repeat}")
    print("| form | built anew ms | asked again ms | bytes |")
    print("|---|---:|---:|---:|")
    for name, _ in FORMS:
        print(f"| {name} | {statistics.median(anew[name]):.1f} | {statistics.median(again[name]):.1f} | "
              f"{sizes[name]:,} |", flush=True)

    print(f"\nexport of {args.citizens:,} citizens through /api/v1/exports/citizens, server memory")
    print("| form | seconds | bytes | server RSS before MiB | peak RSS during MiB |")
    print("|---|---:|---:|---:|---:|")
    for name, accept in [("NDJSON", "application/x-ndjson"), ("XLSX", XLSX)]:
        with open(f"/proc/{pid}/clear_refs", "w") as refs:
            refs.write("5")  # resets VmHWM to the current RSS
        before = memory(pid, "VmRSS")
        started = time.perf_counter()
        size = fetch(base, "/api/v1/exports/citizens", accept, sink=True)
        took = time.perf_counter() - started
        print(f"| {name} | {took:.1f} | {size:,} | {before:.0f} | {memory(pid, 'VmHWM'):.0f} |", flush=True)


if __name__ == "__main__":
    main()
