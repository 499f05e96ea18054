"""Issue 7.1: atomic, idempotent ingest.

A real `filingqa ingest` (or `filingqa serve` ingesting an upload) is stopped at a named stage by the
store's test hook (FILINGQA_TEST_PAUSE_AT) and killed there with SIGKILL. Then the store must be as if
that ingest never started, or complete, and running the same ingest again must give exactly the store
of a clean ingest: compared entry by entry (chunk ids, texts, metadata, label ids, the facts of the
filing record) with a clean `filingqa ingest` into another data directory.

A killed process's store is copied (it is dead: the copy is exactly what it left) so that one kill
checks both ways on: what the next use of the store makes of it (the copy), and what running the same
ingest again makes of it (the original). That saves a model load per stage.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest

from relhelpers import SAMPLE, Server, data_of, dump_stores, entries, env_for, filings_json, free_port, make_server, run_cli, start_paused, upload

pytestmark = pytest.mark.slow

BATCH = "8"  # the sample's 21 chunks go in 3 batches, so a kill can fall between two of them
EMPTY = {"chunks": 0, "labels": 0, "filings": 0, "pending": 0}


def _env(data: Path) -> dict[str, str]:
    return env_for(data, embed_batch=BATCH)


def _summary(report: dict) -> dict:
    return {k: report[k] for k in ("id", "name", "chunks", "facts")}


def _kill_between_chunk_batches_then_resume(tmp_path: Path, clean_reference) -> None:
    data = tmp_path / "data"
    # 1. Killed between chunk batches: 16 of 21 chunks written, no record; the intent marker says so.
    start_paused(["ingest", str(SAMPLE), "--json"], _env(data), "chunk-batch-2", tmp_path).kill()
    (raw,) = dump_stores(data)
    assert entries(raw) == {"chunks": 16, "labels": 0, "filings": 0, "pending": 1}
    # 1a. The next use of the store (here `filingqa filings`) lists nothing and rolls the ingest back.
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    assert filings_json(copy) == []
    assert entries(dump_stores(copy)[0]) == EMPTY  # as if it never started
    # 1b. The same ingest again resumes: only the 5 missing chunks are embedded; the store is a clean one.
    _, report, ref = clean_reference.get()
    again = json.loads(run_cli("ingest", str(SAMPLE), "--json", env=_env(data)).stdout)["filings"][0]
    assert (again["id"], again["chunks"], again["facts"], again["embedded"]) == (report["id"], report["chunks"], report["facts"], report["chunks"] - 16)
    (resumed,) = dump_stores(data)
    assert data_of(resumed) == data_of(ref) and entries(resumed)["pending"] == 0


def _kill_a_new_version_and_a_delete(tmp_path: Path, clean_reference) -> None:
    ref_dir, report, ref = clean_reference.get()
    data = tmp_path / "data"
    shutil.copytree(ref_dir, data)  # the sample, cleanly stored
    v2 = tmp_path / "v2" / SAMPLE.name  # a new version of it: same name, other bytes
    v2.parent.mkdir()
    v2.write_text(SAMPLE.read_text() + "\nA late correction: none.\n")

    # 2. The new version killed with its chunks and labels written, before its record.
    start_paused(["ingest", str(v2), "--json"], _env(data), "after-labels", tmp_path).kill()
    (raw,) = dump_stores(data)
    assert entries(raw)["chunks"] > report["chunks"] and entries(raw)["filings"] == 1 and entries(raw)["pending"] == 1
    # 2a. Next use: the old version alone, exactly as before the killed ingest started.
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    assert filings_json(copy) == [_summary(report)]
    (rolled_back,) = dump_stores(copy)
    assert data_of(rolled_back) == data_of(ref) and entries(rolled_back)["pending"] == 0
    # 2b. The same ingest again, killed right after its record (nothing left to embed): both records
    #     are on disk, but the listing shows the new version only and the old one is swept (rolled forward).
    start_paused(["ingest", str(v2), "--json"], _env(data), "after-record", tmp_path).kill()
    (raw,) = dump_stores(data)
    assert entries(raw)["filings"] == 2 and entries(raw)["pending"] == 1
    listed = filings_json(data)
    assert len(listed) == 1 and listed[0]["id"] != report["id"] and listed[0]["name"] == SAMPLE.name
    new_id = listed[0]["id"]
    (forward,) = dump_stores(data)
    assert entries(forward) == {"chunks": listed[0]["chunks"], "labels": entries(ref)["labels"], "filings": 1, "pending": 0}
    assert {e["meta"]["filing_id"] for e in [*forward["filingqa-chunks"].values(), *forward["filingqa-labels"].values()]} == {new_id}

    # 3. A delete killed after the record and the chunks went, before the labels: finished at the next use.
    start_paused(["delete", new_id], env_for(data), "delete-after-chunks", tmp_path).kill()
    (raw,) = dump_stores(data)
    assert entries(raw)["filings"] == 0 and entries(raw)["chunks"] == 0 and entries(raw)["labels"] > 0 and entries(raw)["pending"] == 1
    assert filings_json(data) == []
    assert entries(dump_stores(data)[0]) == EMPTY


def test_kill_9_at_each_stage_of_ingest_and_delete(tmp_path, clean_reference) -> None:
    """Two independent chains of kills (their model loads overlap): a first ingest killed between chunk
    batches; and, on a copy of a clean store, a new version of the file killed before and after its
    commit, then its delete killed half-way."""
    failures: list[BaseException] = []

    def second_chain() -> None:
        try:
            _kill_a_new_version_and_a_delete(tmp_path / "b", clean_reference)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            failures.append(exc)

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    other = threading.Thread(target=second_chain)
    other.start()
    try:
        _kill_between_chunk_batches_then_resume(tmp_path / "a", clean_reference)
    finally:
        other.join(600)
    if failures:
        raise failures[0]


def test_the_server_killed_while_ingesting_an_upload_then_concurrent_uploads_store_it_once(tmp_path, clean_reference) -> None:
    """Also issue 7.2: four uploads of the same filing at once store it once."""
    pause_note = tmp_path / "paused"
    srv = make_server(tmp_path, embed_batch=BATCH, test_pause_at="chunk-batch-1", test_pause_file=str(pause_note))
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
    while not (pause_note.exists() and pause_note.read_text()):
        assert time.monotonic() < deadline and srv.proc.poll() is None, srv.log()[-3000:]
        time.sleep(0.05)
    srv.kill()
    t.join(30)
    assert "error" in outcome  # the upload never got an answer: the server died mid-ingest
    (raw,) = dump_stores(srv.data_dir)
    assert entries(raw) == {"chunks": 8, "labels": 0, "filings": 0, "pending": 1}

    # A new server on the same data directory (no hook): nothing half-stored is listed.
    srv2 = Server(port=free_port(), data_dir=srv.data_dir, log_path=tmp_path / "server2.log", env=env_for(srv.data_dir, embed_batch=BATCH))
    srv2.start()
    _, report, ref = clean_reference.get()
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


def test_writes_go_in_slices_within_chromas_max_batch_size(make_service, sample_filing) -> None:
    """A filing with more chunks than Chroma takes in one call: every upsert, delete and id lookup is
    cut to the max batch size the client reports (forced down to 5 here, so the sample's 21 chunks
    and 43 labels need several), and the store ends exactly as with one big batch."""
    service = make_service(embed_batch=64)
    store = service.store
    store.ping()
    store._client.get_max_batch_size = lambda: 5
    sizes: dict[str, list[int]] = {}
    real_call = store._call

    def spy(fn, *args, **kwargs):
        if getattr(fn, "__name__", "") in ("upsert", "delete", "get") and kwargs.get("ids") is not None:
            sizes.setdefault(fn.__name__, []).append(len(kwargs["ids"]))
        if getattr(fn, "__name__", "") == "get" and kwargs.get("limit") is not None:
            sizes.setdefault("get-page", []).append(kwargs["limit"])
        return real_call(fn, *args, **kwargs)

    store._call = spy
    report = service.ingest_file(sample_filing)
    assert max(sizes["upsert"]) == 5 and len(sizes["upsert"]) >= (report.chunks + 5 - 1) // 5
    assert max(sizes["get"]) <= 5
    assert store.count("filingqa-chunks") == report.chunks and [f.id for f in store.list_filings()] == [report.id]
    sizes.clear()
    assert service.delete(report.id)
    assert sizes["delete"] and max(sizes["delete"]) <= 5 and sum(sizes["delete"]) >= report.chunks
    assert set(sizes["get-page"]) == {5}
    assert all(store.count(name) == 0 for name in ("filingqa-chunks", "filingqa-labels", "filingqa-filings", "filingqa-pending"))
