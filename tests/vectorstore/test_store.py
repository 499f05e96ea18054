"""The store: idempotent ingest, replace, delete, batches, and the Chroma-server backend."""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from filingqa.vectorstore.store import CHUNKS, FILINGS, LABELS


def test_reingest_embeds_nothing(make_service, sample_filing):
    service = make_service()
    first = service.ingest_file(sample_filing)
    again = service.ingest_file(sample_filing)
    assert first.embedded == first.chunks > 0
    assert (again.id, again.embedded, again.chunks, again.facts) == (first.id, 0, first.chunks, first.facts)
    assert [f.id for f in service.list_filings()] == [first.id]


def test_ingest_times_are_the_whole_wall_time_and_its_parts(make_service, sample_filing):
    service = make_service()
    started = time.perf_counter()
    report = service.ingest_file(sample_filing)
    wall = time.perf_counter() - started
    body = report.as_json()
    assert body["parse_seconds"] > 0 and body["embed_seconds"] > 0
    # The parts are inside the whole, and the whole is this call's wall time (not the store's share).
    assert report.parse_seconds + report.embed_seconds <= report.seconds <= wall


def test_reingest_of_an_unchanged_file_skips_parsing(make_service, sample_filing, monkeypatch):
    service = make_service()
    first = service.ingest_file(sample_filing)

    def no_parse(*args, **kwargs):
        raise AssertionError("an unchanged file must be found by its hash, not parsed again")

    monkeypatch.setattr("filingqa.app.service.parse_filing", no_parse)
    again = service.ingest_bytes(sample_filing.read_bytes(), sample_filing.name)
    assert (again.id, again.created, again.embedded, again.chunks, again.facts, again.tables) == (first.id, False, 0, first.chunks, first.facts, first.tables)
    assert again.parse_seconds == 0 and again.seconds < 1.0
    # A filing whose ingest was interrupted (its intent marker still there) is not taken as stored:
    # it goes the full way, which finishes it.
    service.store._mark(first.id, "ingest", first.name)
    with pytest.raises(AssertionError, match="found by its hash"):
        service.ingest_file(sample_filing)


def test_delete_removes_every_trace(make_service, sample_filing):
    service = make_service()
    report = service.ingest_file(sample_filing)
    assert service.delete(report.id)
    for name in (CHUNKS, LABELS, FILINGS):
        assert service.store.count(name) == 0, name
    assert not service.delete(report.id)


def test_a_changed_file_replaces_the_old_version(make_service, sample_filing, tmp_path):
    service = make_service()
    old = service.ingest_file(sample_filing)
    changed = tmp_path / sample_filing.name
    changed.write_text(sample_filing.read_text() + "\nA late correction.\n")
    new = service.ingest_file(changed)
    assert new.id != old.id and new.replaced == [old.id]
    assert [f.id for f in service.list_filings()] == [new.id]
    # Only the changed part is new: unchanged chunks were written under the new id once.
    assert service.store.count(CHUNKS) == new.chunks


def test_small_batches_write_the_same_store(make_service, sample_filing):
    service = make_service(embed_batch=3)
    report = service.ingest_file(sample_filing)
    assert service.store.count(CHUNKS) == report.chunks


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(exe).exists():
        pytest.skip("chroma CLI not installed")
    port = _free_port()
    proc = subprocess.Popen([exe, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(tmp_path_factory.mktemp("chroma"))], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    import httpx

    for _ in range(150):
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma run did not come up")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_server_mode_is_the_same_code_path(make_service, sample_filing, chroma_server):
    service = make_service(chroma_url=chroma_server)
    report = service.ingest_file(sample_filing)
    again = service.ingest_file(sample_filing)
    assert again.embedded == 0
    a = service.answer("What was the net loss for the six months ended December 31, 2004?", report.id)
    assert a.figures[0].value == -4680
    assert service.delete(report.id)
    assert service.list_filings() == []


def test_stored_filing_keeps_its_xbrl_links(corpus_dir):
    """The compressed JSON the store keeps round-trips the XBRL additions: each cell's tag, the
    label tags, the dei cover facts and the coverage summary."""
    from filingqa.ingest.pipeline import load_filing
    from filingqa.vectorstore.store import _decode_filing, _encode_filing

    filing = load_filing(corpus_dir / "homedepot-10q-2023-07-30.htm")
    back = _decode_filing(_encode_filing(filing))
    assert back == filing
    assert back.dei.cik == "354950" and back.xbrl.linked == 420
    fact = next(f for f in back.facts() if f.xbrl is not None and f.label == "Net sales")
    assert fact.xbrl.concept == "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax" and fact.xbrl.agrees
