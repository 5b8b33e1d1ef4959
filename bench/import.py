"""Bulk import of citizens against the backend's own bulk load of the same
rows, in one run on this machine: `khuyenhoc import` (the import endpoint's
code path, without HTTP) of N citizens from NDJSON and from CSV into a fresh
database, and `sqlite3 .import` / `psql \\copy` of the same rows as table
rows. Prints rows per second, the ratio to the raw load, and the peak
resident memory of each process. Also exports the citizens of the largest
database to NDJSON and to a workbook (XLSX) at N and at N/10 rows and
compares their peak memory.

    python3 bench/import.py [--rows 1000000] [--backends sqlite,postgresql]

Not run by CI (minutes). Needs a release build (`cargo build --release`),
sqlite3 and psql.
"""

import argparse
import json
import os
import subprocess
import tempfile
import time
import uuid

BIN = "target/release/khuyenhoc"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
COLUMNS = ["id", "external_id", "full_name", "search_text", "birth_year", "gender", "association_id",
           "occupation", "phone", "national_id", "version", "created_at", "updated_at"]


def run(args, env=None, stdout=None):
    """Runs a process; its wall time and peak resident memory (MiB)."""
    started = time.monotonic()
    process = subprocess.Popen(args, env={**os.environ, **(env or {})}, stdout=stdout or subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    took = time.monotonic() - started
    if status != 0:
        raise SystemExit(f"{args[0]} failed: {process.stderr.read().decode()[-2000:]}")
    return took, usage.ru_maxrss / 1024


def psql(database, sql):
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qc", sql], check=True,
                   stdout=subprocess.DEVNULL)


class Backend:
    def __init__(self, name, work):
        self.name, self.work, self.count = name, work, 0

    def fresh(self, commune):
        """A fresh, migrated database with the commune `commune`; its URL."""
        self.count += 1
        if self.name == "sqlite":
            url = os.path.join(self.work, f"bench{self.count}.db")
        else:
            db = f"khuyenhoc_import_{os.getpid()}_{self.count}"
            psql("postgres", f"DROP DATABASE IF EXISTS {db}")
            psql("postgres", f"CREATE DATABASE {db}")
            url = f"postgres://postgres@127.0.0.1:5432/{db}"
        run([BIN, "migrate"], env={"DATABASE_URL": url, "RUST_LOG": "off"})
        self.sql(url, "INSERT INTO associations (id, code, name, search_text, level, path, depth, version, "
                      f"created_at, updated_at) VALUES ('{commune}', '04577', 'Xã Minh Quân', 'xa minh quan', "
                      f"'commune', '/{commune}/', 0, 1, '2026-11-27 00:00:00', '2026-11-27 00:00:00')")
        return url

    def sql(self, url, statement):
        if self.name == "sqlite":
            subprocess.run(["sqlite3", url, statement], check=True)
        else:
            psql(url.rsplit("/", 1)[1], statement)

    def raw_load(self, url, csv_path):
        """The backend's own bulk load of table rows from a CSV file."""
        if self.name == "sqlite":
            # .import reads empty cells as '' (not NULL): load the text, then
            # the rows, in one process.
            return run(["sqlite3", url, ".mode csv", f".import {csv_path} raw_citizens",
                        "INSERT INTO citizens SELECT id, external_id, full_name, search_text, birth_year, gender, "
                        "association_id, occupation, NULL, NULL, version, created_at, updated_at FROM raw_citizens",
                        "DROP TABLE raw_citizens"])
        db = url.rsplit("/", 1)[1]
        return run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-qc",
                    f"\\copy citizens ({', '.join(COLUMNS)}) FROM '{csv_path}' WITH (FORMAT csv, HEADER true)"])

    def drop_all(self):
        if self.name == "postgresql":
            for i in range(1, self.count + 1):
                psql("postgres", f"DROP DATABASE IF EXISTS khuyenhoc_import_{os.getpid()}_{i} WITH (FORCE)")


def write_files(work, rows, commune):
    """The same citizens as an import file (NDJSON, CSV) and as table rows (CSV)."""
    paths = {kind: os.path.join(work, name) for kind, name in
             [("ndjson", "citizens.ndjson"), ("csv", "citizens.csv"), ("raw", "citizens-rows.csv")]}
    with open(paths["ndjson"], "w") as nd, open(paths["csv"], "w") as csv, open(paths["raw"], "w") as raw:
        csv.write("external_id,full_name,birth_year,gender,association_id,occupation\n")
        raw.write(",".join(COLUMNS) + "\n")
        for i in range(rows):
            name = f"Nguyễn Văn {i}"
            gender = "male" if i % 2 else "female"
            year = 1940 + i % 70
            nd.write(json.dumps({"external_id": f"CD{i}", "full_name": name, "birth_year": year, "gender": gender,
                                 "association_id": commune, "occupation": "Nông dân"}, ensure_ascii=False) + "\n")
            csv.write(f"CD{i},{name},{year},{gender},{commune},Nông dân\n")
            raw.write(f"{uuid.uuid4()},CD{i},{name},nguyen van {i},{year},{gender},{commune},Nông dân,,,1,"
                      "2026-11-27 00:00:00,2026-11-27 00:00:00\n")
    return paths


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], check=True)
    work = tempfile.mkdtemp(prefix="khuyenhoc-import-")
    print(f"{args.rows:,} citizens (external_id, name, birth year, gender, occupation) into one commune\n")
    print("| backend | load | seconds | rows/s | ÷ raw load | peak RSS MiB |")
    print("|---|---|---:|---:|---:|---:|")
    for name in args.backends.split(","):
        backend = Backend(name, work)
        try:
            commune = str(uuid.uuid4())
            url = backend.fresh(commune)
            paths = write_files(work, args.rows, commune)
            raw_took, raw_rss = backend.raw_load(url, paths["raw"])
            raw_rate = args.rows / raw_took
            tool = "sqlite3 .import" if name == "sqlite" else "psql \\copy"
            print(f"| {name} | raw ({tool}) | {raw_took:.1f} | {raw_rate:,.0f} | 1 | {raw_rss:.0f} |", flush=True)
            biggest = None
            for form in ["ndjson", "csv"]:
                url = backend.fresh(commune)
                # Not atomic: a transaction per 1,000 rows, as a load this size is
                # run (an atomic import keeps each row's change-feed event in
                # memory until its one commit).
                took, rss = run([BIN, "import", paths[form], "--resource", "citizens", "--not-atomic"],
                                env={"DATABASE_URL": url, "RUST_LOG": "off"})
                rate = args.rows / took
                print(f"| {name} | khuyenhoc import ({form.upper()}) | {took:.1f} | {rate:,.0f} | "
                      f"{rate / raw_rate:.2f} | {rss:.0f} |", flush=True)
                biggest = url
            # Export: peak memory at all rows and at a tenth of them.
            with open(os.devnull, "w") as sink:
                took, rss_all = run([BIN, "export", "--resource", "citizens"],
                                    env={"DATABASE_URL": biggest, "RUST_LOG": "off"}, stdout=sink)
            with open(os.devnull, "w") as sink:
                xlsx_took, xlsx_all = run([BIN, "export", "--resource", "citizens", "--format", "xlsx"],
                                          env={"DATABASE_URL": biggest, "RUST_LOG": "off"}, stdout=sink)
            backend.sql(biggest, f"DELETE FROM citizens WHERE birth_year >= 1947")
            with open(os.devnull, "w") as sink:
                _, rss_tenth = run([BIN, "export", "--resource", "citizens"],
                                   env={"DATABASE_URL": biggest, "RUST_LOG": "off"}, stdout=sink)
            print(f"| {name} | khuyenhoc export (NDJSON) | {took:.1f} | {args.rows / took:,.0f} | – | "
                  f"{rss_all:.0f} (a tenth of the rows: {rss_tenth:.0f}) |", flush=True)
            # The same as a workbook (constant-memory sheet, saved to a temporary file).
            with open(os.devnull, "w") as sink:
                _, xlsx_tenth = run([BIN, "export", "--resource", "citizens", "--format", "xlsx"],
                                    env={"DATABASE_URL": biggest, "RUST_LOG": "off"}, stdout=sink)
            print(f"| {name} | khuyenhoc export (XLSX) | {xlsx_took:.1f} | {args.rows / xlsx_took:,.0f} | – | "
                  f"{xlsx_all:.0f} (a tenth of the rows: {xlsx_tenth:.0f}) |", flush=True)
        finally:
            backend.drop_all()


if __name__ == "__main__":
    main()
