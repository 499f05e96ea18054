"""Issue 7.1: atomic, idempotent ingest. A real `filingqa ingest` (or `filingqa serve` ingesting an
upload) is stopped at a named stage by the store's test hook (FILINGQA_TEST_PAUSE_AT) and killed
with SIGKILL there. Then the store must be as if that ingest never started, or complete; running
the same ingest again must give exactly the store of a clean ingest (compared entry by entry with
a clean ingest into another data directory: chunk ids, texts, metadata, labels, facts).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest

from relhelpers import SAMPLE, Server, data_of, dump_stores, entries, env_for, filings_json, free_port, make_server, run_cli, start_paused, upload

pytestmark = pytest.mark.slow

BATCH = "8"  # the sample's 21 chunks go in 3 batches, so a kill can fall between two of them


def _ingest_env(data: Path) -> dict[str, str]:
    return env_for(data, embed_batch=BATCH)


def test_kill_9_after_chunks_and_labels_but_before_the_record_rolls_back(tmp_path, clean_reference) -> None:
    data = tmp_path / "data"
    _, report, ref = clean_reference
    paused = start_paused(["ingest", str(SAMPLE), "--json"], _ingest_env(data), "after-labels", tmp_path)
    paused.kill()
    (raw,) = dump_stores(data)
    # Killed with everything but the commit written: the kill really fell inside the write.
    assert entries(raw) == {"chunks": report["chunks"], "labels": entries(ref)["labels"], "filings": 0, "pending": 1}
    assert filings_json(data) == []  # no half filing, and the first use of the store repairs it:
    (after,) = dump_stores(data)
    assert entries(after) == {"chunks": 0, "labels": 0, "filings": 0, "pending": 0}  # as if it never started


def test_kill_9_between_chunk_batches_then_the_same_ingest_resumes_to_exactly_a_clean_store(tmp_path, clean_reference) -> None:
    data = tmp_path / "data"
    _, report, ref = clean_reference
    sample_v2 = tmp_path / "v2" / SAMPLE.name
    sample_v2.parent.mkdir()
    sample_v2.write_text(SAMPLE.read_text() + "\nA late correction: none.\n")

    # 1. Killed after the 2nd of 3 chunk batches: 16 of 21 chunks written, no record.
    start_paused(["ingest", str(SAMPLE), "--json"], _ingest_env(data), "chunk-batch-2", tmp_path).kill()
    (raw,) = dump_stores(data)
    assert entries(raw)["chunks"] == 16 and entries(raw)["filings"] == 0 and entries(raw)["pending"] == 1

    # 2. The same ingest again resumes: only the 5 missing chunks are embedded; the store equals a clean one.
    again = json.loads(run_cli("ingest", str(SAMPLE), "--json", env=_ingest_env(data)).stdout)["filings"][0]
    assert (again["id"], again["chunks"], again["facts"], again["embedded"]) == (report["id"], report["chunks"], report["facts"], report["chunks"] - 16)
    (resumed,) = dump_stores(data)
    assert data_of(resumed) == data_of(ref) and entries(resumed)["pending"] == 0
    assert filings_json(data) == [{k: report[k] for k in ("id", "name", "chunks", "facts")}]

    # 3. And again: nothing new, nothing doubled.
    third = json.loads(run_cli("ingest", str(SAMPLE), "--json", env=_ingest_env(data)).stdout)["filings"][0]
    assert third["embedded"] == 0
    assert data_of(dump_stores(data)[0]) == data_of(ref)

    # 4. A new version of the file (same name) killed right after its record: both records exist on disk,
    #    the listing shows only the new one and the old one is swept (rolled forward, as if complete).
    start_paused(["ingest", str(sample_v2), "--json"], _ingest_env(data), "after-record", tmp_path).kill()
    (raw,) = dump_stores(data)
    assert entries(raw)["filings"] == 2 and entries(raw)["pending"] == 1
    listed = filings_json(data)
    assert len(listed) == 1 and listed[0]["id"] != report["id"] and listed[0]["name"] == SAMPLE.name
    new_id = listed[0]["id"]
    (forward,) = dump_stores(data)
    assert entries(forward) == {"chunks": listed[0]["chunks"], "labels": entries(ref)["labels"], "filings": 1, "pending": 0}
    assert {m["meta"]["filing_id"] for m in forward["filingqa-chunks"].values()} == {new_id}
    assert {m["meta"]["filing_id"] for m in forward["filingqa-labels"].values()} == {new_id}

    # 5. A delete killed after the chunks went but before the labels: finished at the next use.
    start_paused(["delete", new_id], env_for(data), "delete-after-chunks", tmp_path).kill()
    (raw,) = dump_stores(data)
    assert entries(raw)["filings"] == 0 and entries(raw)["chunks"] == 0 and entries(raw)["labels"] > 0 and entries(raw)["pending"] == 1
    assert filings_json(data) == []
    assert entries(dump_stores(data)[0]) == {"chunks": 0, "labels": 0, "filings": 0, "pending": 0}


def test_the_server_killed_while_ingesting_an_upload_then_concurrent_uploads_store_it_once(tmp_path, clean_reference) -> None:
    """Also issue 7.2: two (here four) uploads of the same filing at once store it once."""
    _, report, ref = clean_reference
    srv = make_server(tmp_path, embed_batch=BATCH, test_pause_at="chunk-batch-1", test_pause_file=str(tmp_path / "paused"))
    srv.start()
    outcome: dict = {}

    def upload_and_hang() -> None:
        try:
            with srv.client() as c:
                outcome["response"] = upload(c, SAMPLE)
        except httpx.HTTPError as exc:
            outcome["error"] = exc

    t = threading.Thread(target=upload_and_hang)
    t.start()
    deadline = time.monotonic() + 120
    while not ((tmp_path / "paused").exists() and (tmp_path / "paused").read_text()):
        assert time.monotonic() < deadline, srv.log()[-3000:]
        time.sleep(0.05)
    srv.kill()
    t.join(30)
    assert "error" in outcome  # the upload never got an answer: the server died mid-ingest
    (raw,) = dump_stores(srv.data_dir)
    assert entries(raw)["chunks"] == 8 and entries(raw)["filings"] == 0 and entries(raw)["pending"] == 1

    # The same data directory, a new server (no hook): nothing half-stored is listed.
    srv2 = Server(port=free_port(), data_dir=srv.data_dir, log_path=tmp_path / "server2.log", env=env_for(srv.data_dir, embed_batch=BATCH))
    srv2.start()
    try:
        with srv2.client() as c:
            assert c.get("/v1/filings").json() == {"filings": []}
            results: list[httpx.Response] = []
            barrier = threading.Barrier(4)

            def up() -> None:
                with srv2.client() as cc:
                    barrier.wait()
                    results.append(upload(cc, SAMPLE))

            threads = [threading.Thread(target=up) for _ in range(4)]
            for th in threads:
                th.start()
            for th in threads:
                th.join(120)
            assert sorted(r.status_code for r in results) == [200, 200, 200, 201], [r.text for r in results]
            assert {r.json()["id"] for r in results} == {report["id"]}
            assert sum(r.json()["embedded"] for r in results) == report["chunks"]  # embedded once, in all
            assert [f["id"] for f in c.get("/v1/filings").json()["filings"]] == [report["id"]]
    finally:
        srv2.stop()
    (after,) = dump_stores(srv.data_dir)
    assert data_of(after) == data_of(ref) and entries(after)["pending"] == 0
