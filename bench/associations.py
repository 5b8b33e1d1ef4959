#!/usr/bin/env python3
"""Benchmark of the association list on a large tree.

Seeds a tree through the API (1 central, 34 provinces, N districts, communes
and branches; 10,000+ associations by default), then times the list queries
that clients run most, each REPEAT times, and prints medians and p95 in ms.

    python3 bench/associations.py --base-url http://127.0.0.1:8080 --token TOKEN [--size 10000] [--repeat 50]

The server must be running with an empty database and TOKEN must be an admin
token for the whole tree (see bench/run.sh, which does both for each backend).
Standard library only.
"""
import argparse
import json
import statistics
import time
import urllib.parse
import urllib.request


TOKEN = None


def request(base, path, method="GET", data=None):
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {TOKEN}")
    return req


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request_ = request(base, path, method, data)
    if data is not None:
        request_.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request_) as response:
        return json.loads(response.read())


def seed(base, size):
    """A tree shaped like the real one: provinces, districts, communes, branches."""
    created = 0

    def create(code, name, level, parent):
        nonlocal created
        created += 1
        body = {"code": code, "name": name, "level": level, "parent_id": parent}
        return call(base, "POST", "/api/v1/associations", body)["id"]

    root = create("VN", "Trung ương Hội Khuyến học Việt Nam", "central", None)
    provinces = [create(f"P{p:02}", f"Hội Khuyến học tỉnh {p:02}", "province", root) for p in range(34)]
    first_province = provinces[0]
    # Each district: 10 communes with 2 branches each (31 associations).
    per_district = 31
    districts = max(1, (size - 35) // per_district)
    for d in range(districts):
        province = provinces[d % len(provinces)]
        district = create(f"D{d:04}", f"Hội Khuyến học huyện Trấn Yên {d}", "district", province)
        for c in range(10):
            commune = create(f"C{d:04}{c}", f"Hội Khuyến học xã Đào Thịnh {d}-{c}", "commune", district)
            for b in range(2):
                create(f"B{d:04}{c}{b}", f"Chi hội thôn Đồng {d}-{c}-{b}", "branch", commune)
    return created, root, first_province


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
    parser.add_argument("--database-url", help="unused: the tree is made through the API")
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    global TOKEN
    TOKEN = args.token

    start = time.perf_counter()
    created, root, province = seed(args.base_url, args.size)
    seconds = time.perf_counter() - start
    print(f"seeded {created} associations in {seconds:.1f} s ({created / seconds:.0f} creates/s)")

    first_page = call(args.base_url, "GET", f"/api/v1/associations?ancestor_id={root}&page_size=500")
    token = first_page["next_page_token"]
    cases = [
        ("first page, default sort (50)", "/api/v1/associations"),
        ("whole tree below the root, page of 500", f"/api/v1/associations?ancestor_id={root}&page_size=500"),
        ("whole tree, 2nd page of 500",
         f"/api/v1/associations?ancestor_id={root}&page_size=500&page_token={token}"),
        ("whole tree below the root, with total", f"/api/v1/associations?ancestor_id={root}&include_total=true"),
        ("province subtree (~300), page of 500", f"/api/v1/associations?ancestor_id={province}&page_size=500"),
        ("province subtree, communes only", f"/api/v1/associations?ancestor_id={province}&level=commune"),
        ("children of a province", f"/api/v1/associations?parent_id={province}"),
        ("search q=tran yen 17", "/api/v1/associations?" + urllib.parse.urlencode({"q": "tran yen 17"})),
        ("sort=-code, page of 500", "/api/v1/associations?sort=-code&page_size=500"),
    ]
    print(f"{'query':40} {'median ms':>10} {'p95 ms':>8}")
    for name, path in cases:
        median, p95 = timed(args.base_url, path, args.repeat)
        print(f"{name:40} {median:10.2f} {p95:8.2f}")


if __name__ == "__main__":
    main()
