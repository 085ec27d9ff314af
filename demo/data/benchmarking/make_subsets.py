"""Makes the demo's benchmarking files from the publishers' own files, in their own layouts
(fewer columns and only the indicators the demo KPIs match), so the demo loads them through the
same imports a council uses. Run from the repository root:

    python demo/data/benchmarking/make_subsets.py /path/to/shared/data

England and regional figures are left out: demo/data/kpis.json already gives them as the KPIs'
England and West Midlands benchmarks. Not part of the application; kept so the subsets can be checked and made again.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).parent

#: Published indicator → demo KPI, and the group it is compared within.
INDICATORS = [
    ("oflog", "ASC5", "ASC-01", "nearest_neighbours", "Outcome of short-term services: sequel to service"),
    ("oflog", "ASC2", "ASC-02", "nearest_neighbours", "Social care-related quality of life: impact of services"),
    ("oflog", "ASC3", "ASC-03", "nearest_neighbours", "Ease of finding information about support"),
    ("oflog", "ASC7", "ASC-04", "nearest_neighbours", "Adult social care workforce turnover rate"),
    ("dfe_lait", "ReReferral", "CSC-01", "statistical_neighbours", "Re-referrals within 12 months"),
    ("dfe_lait", "PrevRegCPR", "CSC-02", "statistical_neighbours", "Repeat child protection plans"),
    ("dfe_lait", "CareLeaverEET", "CSC-03", "statistical_neighbours", "Care leavers aged 19-21 in EET"),
    ("dfe_lait", "CP_conf_15days", "CSC-04", "statistical_neighbours", "Initial CP conferences within 15 days"),
    ("dfe_lait", "%_2yr_olds", "EHF-01", "statistical_neighbours", "2-year-olds in funded early education"),
    ("dfe_lait", "16-17_not known_NEET", "REGE-01", "statistical_neighbours", "16-17 NEET or not known"),
    (
        "fingertips",
        "Smoking Prevalence in adults (aged 18 and over) - current smokers (APS)",
        "PH-02",
        "nearest_neighbours",
        "Fingertips 92443",
    ),
    (
        "fingertips",
        "Year 6 prevalence of obesity (including severe obesity)",
        "PH-03",
        "statistical_neighbours",
        "Fingertips 90323",
    ),
]


def write(name: str, header: list[str], rows: list[list]) -> None:
    with (HERE / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(name, len(rows))


def main(source: Path) -> None:
    lookup = list(csv.DictReader((source / "la_lookup/uk_local_authorities_current.csv").open(encoding="utf-8")))
    england = [
        r
        for r in lookup
        if r["nation"] == "England" and r["gss-code"] and r["local-authority-type"] in {"UA", "MD", "LBO", "NMD", "CTY"}
    ]
    known = {r["gss-code"] for r in england}
    known |= {old for r in england for old in r["former-gss-codes"].split(",") if old}
    used: set[str] = set()

    codes = {code for src, code, *_ in INDICATORS if src == "oflog"}
    reader = csv.DictReader((source / "oflog/ASC_data.csv").open(encoding="utf-8"))
    published = [r for r in reader if r["Code"] in codes]
    # Councils Oflog publishes that the current lookup no longer lists (abolished since, such as
    # Cumbria): kept under Oflog's own name and region, so national ranks count every council.
    gone = {r["Local authority code"]: r for r in published if r["Local authority code"] not in known}
    oflog = [
        [r["Financial year"], r["Local authority code"], r["Local authority name"], r["Code"], r["Value"]]
        for r in published
    ]
    used |= {r[1] for r in oflog}
    write("oflog_asc.csv", ["Financial year", "Local authority code", "Local authority name", "Code", "Value"], oflog)

    codes = {code for src, code, *_ in INDICATORS if src == "dfe_lait"}
    lait = [
        [r["Short Desc"], r["Years"], r["LA and Regions"], r["Values"]]
        for r in csv.DictReader((source / "dfe_lait/lait_values_walsall_sn_england.csv").open(encoding="utf-8"))
        if r["Short Desc"] in codes and r["LA and Regions"] not in {"England", "West Midlands"}
    ]
    names = {r[2] for r in lait}
    used |= {r["gss-code"] for r in england if r["nice-name"] in names}
    write("lait.csv", ["Short Desc", "Years", "LA and Regions", "Values"], lait)

    for file, wanted in (("adults_smoking", INDICATORS[-2][1]), ("obese_year6", INDICATORS[-1][1])):
        rows = [
            [r["area_code"], r["area_name"], r["area_type"], r["period"], r["indicator"], r["value"]]
            for r in csv.DictReader((source / f"fingertips/{file}.csv").open(encoding="utf-8"))
            if r["indicator"] == wanted and r["area_code"] in known
        ]
        used |= {r[0] for r in rows if r[0] in known}
        write(f"fingertips_{file}.csv", ["area_code", "area_name", "area_type", "period", "indicator", "value"], rows)

    groups = [
        [
            r["walsall_gss"],
            "nearest_neighbours" if r["source"].startswith("oflog") else "statistical_neighbours",
            r["neighbour_gss"],
            r["source"],
        ]
        for r in csv.DictReader((source / "walsall_neighbour_groups.csv").open(encoding="utf-8"))
        if r["neighbour_gss"] != r["walsall_gss"]
    ]
    write("comparator_groups.csv", ["council_code", "group_kind", "member_code", "source"], groups)

    councils = [
        [r["gss-code"], r["nice-name"], r["region"], r["local-authority-type"], r["former-gss-codes"]]
        for r in england
        if r["gss-code"] in used or any(old in used for old in r["former-gss-codes"].split(","))
    ]
    councils += [[code, r["Local authority name"], r["Region"], "", ""] for code, r in sorted(gone.items())]
    write("councils.csv", ["gss-code", "nice-name", "region", "local-authority-type", "former-gss-codes"], councils)
    header = ["source", "indicator_code", "kpi_code", "group_kind", "title"]
    write("indicators.csv", header, [list(i) for i in INDICATORS])


if __name__ == "__main__":
    main(Path(sys.argv[1]))
