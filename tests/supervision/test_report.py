"""`cityhub report`: the monthly report written as CSV, XLSX and PDF from case records on SQLite, and
read back — the XLSX with openpyxl, the PDF's text with pypdf (selectable) and its fonts embedded."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from hub.cli import main
from hub.incidents import open_incidents
from hub.incidents.db import open_db
from hub.supervision.records import CaseRecord, CaseRecords
from hub.supervision.worktime import BEIJING

H = 3600.0
CELL = "440703001001001"
PATROL = "/jiangmen/grid/patrol/GRD-A"


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING).timestamp()


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'hub.sqlite'}"
    open_incidents(url).close()  # the incident tables: the inspectors' reports are case members
    db = open_db(url)
    records = CaseRecords(db)
    sent = at("2026-11-03 09:00")
    cases = [  # (department, district, handled after dispatch, reworks)
        ("蓬江区城市管理和综合执法局", "440703", 1 * H, 0), ("蓬江区城市管理和综合执法局", "440703", 1.5 * H, 0),
        ("江门市公安局交通警察支队", "440704", 5 * H, 1), ("江门市公安局交通警察支队", "440704", None, 0),
    ]
    with db.exclusive():
        for n, (department, district, took, reworks) in enumerate(cases, 1):
            handled = None if took is None else sent + took
            records.put(CaseRecord(n, "事件/0102", department, district, None, "inspector", "2wh", "closed",
                                   sent - 600, dispatched_at=sent, deadline=sent + 2 * H, handled_at=handled,
                                   closed_at=None if handled is None else handled + 600, reworks=reworks))
        records.put(CaseRecord(9, "事件/0102", "蓬江区城市管理和综合执法局", "440703", None, "inspector", "2wh",
                               "closed", at("2026-10-30 09:00"), dispatched_at=at("2026-10-30 10:00"),
                               deadline=at("2026-10-30 12:00")))  # October: not in the report
        # inspector GRD-A reported twice from CELL: case 1 (registered) and a repeat that opened no case;
        # the public reported case 5 in the same cell; inspector 周 verified and checked case 1 in time
        record = records.get(1)
        assert record is not None
        record.reporter, record.grid_code, record.registered_at = "GRD-A", CELL, sent - 300
        records.put(record)
        records.put(CaseRecord(5, "事件/0102", None, "440703", None, "public", "2wh", "registered", sent - 400,
                               registered_at=sent - 200, grid_code=CELL))
        for incident, uid, when in ((1, "ev-1", sent - 600), (8, "ev-2", sent - 500)):
            db.execute("INSERT INTO incident_members (incident_id, event_uid, source, type, time, grid_code,"
                       " joined_at) VALUES (?, ?, ?, 'city.grid.case', ?, ?, ?)", (incident, uid, PATROL, when, CELL,
                                                                                 when))
        for step, when in (("send_to_verify", sent - 580), ("confirm", sent - 400), ("finish", sent + H),
                           ("close", sent + H + 600)):
            records.add_step(1, step, "", "", "department" if step == "finish" else "inspector", "监督员·周", when,
                             "", [], None)
    db.close()
    return url


def report(tmp_path: Path, db_url: str, fmt: str) -> Path:
    out = tmp_path / f"report.{fmt}"
    assert main(["report", "--month", "2026-11", "--format", fmt, "--out", str(out), "--db", db_url]) == 0
    return out


def test_the_csv(tmp_path: Path, db_url: str) -> None:
    rows = list(csv.reader(report(tmp_path, db_url, "csv").open(encoding="utf-8-sig")))
    assert rows[0] == ["江门市城市运行管理 2026年11月 考核通报"]
    first = rows[rows.index(["部门排名"]) + 2]
    assert first[:4] == ["1", "蓬江区城市管理和综合执法局", "2", "2"] and first[-1] == "A"
    overdue = rows[rows.index(["超期案件"]) + 2:rows.index(["返工案件"]) - 1]
    assert sorted(r[0] for r in overdue) == ["3", "4"]
    inspectors = rows[rows.index(["监督员考核"]) + 1:rows.index(["超期案件"]) - 1]
    assert inspectors == [
        ["监督员", "上报数", "有效上报数", "有效上报率", "网格立案数", "公众举报数", "漏报率", "核实数", "按时核实率",
         "核查数", "按时核查率"],
        ["GRD-A", "2", "1", "50.0%", "2", "1", "50.0%", "0", "—", "0", "—"],
        ["监督员·周", "0", "0", "—", "0", "0", "—", "1", "100.0%", "1", "100.0%"],
        ["合计", "2", "1", "50.0%", "2", "1", "50.0%", "1", "100.0%", "1", "100.0%"]]


def test_the_xlsx_reads_back(tmp_path: Path, db_url: str) -> None:
    from openpyxl import load_workbook

    book = load_workbook(report(tmp_path, db_url, "xlsx"))
    assert book.sheetnames == ["部门排名", "区县排名", "监督员考核", "超期案件", "返工案件"]
    ranking = book["部门排名"]
    assert ranking["A1"].value.startswith("江门市城市运行管理 2026年11月")
    assert [c.value for c in ranking[2]][:3] == ["名次", "单位", "应结案"]
    assert [c.value for c in ranking[3]][:4] == [1, "蓬江区城市管理和综合执法局", 2, 2]
    assert ranking.cell(row=3, column=8).value == 1.0 and ranking.cell(row=3, column=8).number_format == "0.0%"
    assert len(ranking._charts) == 1
    assert [r[0].value for r in book["返工案件"].iter_rows(min_row=3)] == [3]
    inspectors = book["监督员考核"]
    assert [c.value for c in inspectors[2]][:4] == ["监督员", "上报数", "有效上报数", "有效上报率"]
    assert [[c.value for c in row] for row in inspectors.iter_rows(min_row=3)] == [
        ["GRD-A", 2, 1, 0.5, 2, 1, 0.5, 0, None, 0, None], ["监督员·周", 0, 0, None, 0, 0, None, 1, 1.0, 1, 1.0],
        ["合计", 2, 1, 0.5, 2, 1, 0.5, 1, 1.0, 1, 1.0]]
    assert inspectors.cell(row=3, column=7).number_format == "0.0%"


def test_the_pdf_text_is_selectable_and_its_chinese_glyphs_embedded(tmp_path: Path, db_url: str) -> None:
    from pypdf import PdfReader

    pdf = PdfReader(report(tmp_path, db_url, "pdf"))
    text = "".join(page.extract_text() for page in pdf.pages)
    for words in ("考核通报", "部门综合排名", "蓬江区城市管理和综合执法局", "江门市公安局交通警察支队", "超期案件",
                  "监督员考核", "有效上报率", "漏报率", "按时核实率", "按时核查率", "GRD-A", "监督员·周"):
        assert words in text.replace(" ", "").replace("\n", ""), words
    fonts = [f.get_object() for page in pdf.pages for f in page["/Resources"]["/Font"].values()]
    # every font is Noto Sans CJK, embedded as a subset ("ABCDEF+" names it) with its glyph program
    assert fonts and all("+Noto-Sans-CJK-SC" in str(f["/BaseFont"]) for f in fonts)
    descriptors = [d.get_object()["/FontDescriptor"] for f in fonts for d in f["/DescendantFonts"]]
    assert descriptors and all(any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")) for d in descriptors)


def test_a_bad_month_is_refused(tmp_path: Path, db_url: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["report", "--month", "2026-13", "--format", "csv", "--out", str(tmp_path / "r.csv")])
    assert exited.value.code == 2
