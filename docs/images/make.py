"""Makes the pictures of docs/images from a running khuyenhoc: a province
(Yên Bái) with its nine districts, five years of membership figures, a 2025
target and Trấn Yên's learning-district assessment; then saves the
membership chart (SVG and PNG), the trend chart and the first page of the
printed learning-district report (PDF, and its first page as a PNG where PyMuPDF is installed).

    API=http://127.0.0.1:8080/api/v1 TOKEN=… python3 docs/images/make.py

Run it against a fresh database: it creates what it draws.
"""

import json
import os
import pathlib
import urllib.request

API = os.environ.get("API", "http://127.0.0.1:8080/api/v1")
TOKEN = os.environ["TOKEN"]
HERE = pathlib.Path(__file__).parent


def call(method, path, body=None, accept="application/json", headers=()):
    request = urllib.request.Request(
        API + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Accept": accept,
                 "Accept-Language": "vi", "Content-Type": "application/json", **dict(headers)},
    )
    with urllib.request.urlopen(request) as response:
        data = response.read()
    return json.loads(data) if accept == "application/json" else data


# (code, name, population, members in 2020, members in 2024)
DISTRICTS = [
    ("132", "Thành phố Yên Bái", 101_000, 24_000, 33_800),
    ("133", "Thị xã Nghĩa Lộ", 69_000, 15_200, 22_100),
    ("135", "Huyện Lục Yên", 113_000, 25_400, 33_900),
    ("136", "Huyện Văn Yên", 130_000, 26_000, 37_700),
    ("137", "Huyện Mù Cang Chải", 68_000, 9_500, 14_300),
    ("138", "Huyện Trấn Yên", 91_161, 19_000, 23_793),
    ("139", "Huyện Trạm Tấu", 36_000, 5_800, 8_600),
    ("140", "Huyện Văn Chấn", 160_000, 33_600, 44_800),
    ("141", "Huyện Yên Bình", 118_000, 27_100, 38_900),
]

province = call("POST", "/associations", {"code": "15", "name": "Hội Khuyến học tỉnh Yên Bái", "level": "province"})
districts = {}
for code, name, population, first, last in DISTRICTS:
    district = call("POST", "/associations", {"code": code, "name": f"Hội Khuyến học {name[0].lower()}{name[1:]}",
                                              "level": "district", "parent_id": province["id"]})
    districts[code] = district
    for year in range(2020, 2025):
        members = first + (last - first) * (year - 2020) // 4
        call("POST", f"/associations/{district['id']}/yearly-stats",
             {"year": year, "member_count": members, "population": population})
call("POST", "/targets", {"association_id": province["id"], "metric": "membership_ratio",
                          "year": 2025, "min_value": 0.35, "max_value": 0.4})

sets = call("GET", "/criteria-sets?code=learning-district&status=published")["items"]
results = [{"criterion_code": f"TC{n:02}", "met": n not in (17, 19), "score": int(n not in (17, 19)),
            "note": {1: "Kế hoạch số 12/KH-UBND ngày 15/01/2024", 4: "Ngân sách huyện 1,2 tỉ đồng",
                     8: "26,1 % dân số là hội viên"}.get(n)} for n in range(1, 20)]
tran_yen = districts["138"]
assessment = call("POST", "/assessments", {"criteria_set_id": sets[0]["id"], "subject_kind": "district",
                                           "subject_id": tran_yen["id"], "period": 2024, "results": results})
for step in ("submit", "approve"):
    assessment = call("POST", f"/assessments/{assessment['id']}/{step}", {},
                      headers={"If-Match": f"\"{assessment['version']}\""})

membership = f"/reports/membership/chart?association_id={province['id']}&year=2024"
(HERE / "membership-chart.svg").write_bytes(call("GET", membership, accept="image/svg+xml"))
(HERE / "membership-chart.png").write_bytes(call("GET", membership, accept="image/png"))
trend = f"/reports/trend/chart?association_id={province['id']}&metric=membership_ratio&from=2020&to=2025"
(HERE / "trend-chart.svg").write_bytes(call("GET", trend, accept="image/svg+xml"))
printed = f"/reports/learning-district/file?association_id={tran_yen['id']}&period=2024"
(HERE / "learning-district.pdf").write_bytes(call("GET", printed, accept="application/pdf"))
try:
    import fitz  # PyMuPDF, if installed: the first page as a picture

    page = fitz.open(HERE / "learning-district.pdf")[0]
    page.get_pixmap(dpi=96).save(HERE / "learning-district-page-1.png")
except ImportError:
    print("PyMuPDF is not installed: the PDF's page was not drawn as a PNG")
print("saved in", HERE)
