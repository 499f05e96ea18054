"""Issue 7.4: faults of the parts.

- Chroma-server mode: the Chroma server going away gives 503 with a clear message; answers resume when
  it is back, without restarting FilingQA.
- A full disk or a read-only data directory gives a clear error at ingest, and the existing store
  stays readable (from a private copy while the directory cannot be written). The disk and the
  mount are real: a small tmpfs and a read-only bind mount in a private mount namespace (`unshare -m`,
  root only; skipped elsewhere).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from relhelpers import CHROMA, FILINGQA, KNOWN, ROOT, SAMPLE, Server, check_known_answer, data_of, dump_stores, entries, env_for, free_port, make_server, upload

pytestmark = pytest.mark.slow

NET_LOSS = next(iter(KNOWN))


# -- the Chroma server -------------------------------------------------------------------------
class Chroma:
    def __init__(self, path: Path, port: int, log: Path):
        self.path, self.port, self.log = path, port, log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Chroma":
        out = self.log.open("a")
        self.proc = subprocess.Popen([str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)], stdout=out, stderr=subprocess.STDOUT, env=env_for())
        deadline = time.monotonic() + 60
        with httpx.Client(timeout=2, trust_env=False) as c:
            while True:
                assert self.proc.poll() is None, self.log.read_text()[-2000:]
                try:
                    if c.get(f"{self.url}/api/v2/heartbeat").status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "chroma run gave no heartbeat in 60 s"
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def test_the_chroma_server_going_away_is_503_and_answers_resume_when_it_is_back(tmp_path) -> None:
    if not CHROMA.exists():
        pytest.skip(f"the chroma CLI is not at {CHROMA}")
    chroma = Chroma(tmp_path / "chroma-db", free_port(), tmp_path / "chroma.log").start()
    srv = make_server(tmp_path, chroma_url=chroma.url)
    try:
        srv.start()
        with srv.client(timeout=60) as c:
            fid = upload(c, SAMPLE).json()["id"]
            check_known_answer(c.post("/v1/answer", json={"question": NET_LOSS, "filing": fid}).json(), NET_LOSS)

            chroma.stop()
            for r in (
                c.get("/v1/filings"),
                c.post("/v1/answer", json={"question": NET_LOSS, "filing": fid}),
                c.post("/v1/filings", files={"file": ("other.txt", b"ACME CORP\n\nNet sales were $5 million.\n")}),
                c.delete(f"/v1/filings/{fid}"),
                c.get("/healthz"),
            ):
                assert r.status_code == 503, r.text
                error = r.json()["error"]
                assert f"Chroma server at {chroma.url}" in error and "unavailable" in error, error
                assert r.headers.get("retry-after")
            assert srv.proc.poll() is None  # still serving

            chroma.start()  # the same data, the same port; FilingQA is not restarted
            deadline = time.monotonic() + 30
            while (r := c.post("/v1/answer", json={"question": NET_LOSS, "filing": fid})).status_code == 503 and time.monotonic() < deadline:
                time.sleep(0.5)
            assert r.status_code == 200, r.text
            check_known_answer(r.json(), NET_LOSS)
            assert [f["id"] for f in c.get("/v1/filings").json()["filings"]] == [fid]
            assert c.get("/healthz").status_code == 200
    finally:
        srv.stop()
        chroma.stop()


# -- the disk ----------------------------------------------------------------------------------
def _can_unshare_mounts() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


needs_mount_namespace = pytest.mark.skipif(not _can_unshare_mounts(), reason="needs `unshare -m` (root) for a real full disk / read-only mount")


def _script_outputs(stdout: str) -> list[str]:
    return [part.strip() for part in stdout.split("@@")][:-1]


@needs_mount_namespace
def test_a_full_disk_gives_a_clear_error_at_ingest_and_the_store_stays_readable(tmp_path, clean_reference) -> None:
    ref_dir, report, ref = clean_reference.get()
    v2 = tmp_path / SAMPLE.name
    v2.write_text(SAMPLE.read_text() + "\nA late correction.\n")
    disk, kept = tmp_path / "disk", tmp_path / "kept"
    disk.mkdir()
    fq, data = str(FILINGQA), str(disk / "data")
    # A 8 MB disk holding a copy of the store, filled up but for 256 KB: the ingest starts, then the disk is full.
    script = f"""
        mount -t tmpfs -o size=8m tmpfs {disk} && cp -a {ref_dir} {data} || exit 99
        free=$(df -k {disk} | tail -1 | awk '{{print $4}}')
        dd if=/dev/zero of={disk}/fill bs=1k count=$((free - 256)) 2>/dev/null
        {fq} ingest {v2} --json; echo "rc=$?@@"
        {fq} filings --json; echo "@@"
        rm {disk}/fill
        {fq} filings --json; echo "@@"
        cp -a {data} {kept}
    """
    r = subprocess.run(["unshare", "-m", "sh", "-c", script], env=env_for(data, embed_batch="8"), capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    ingest_rc, listed_full, listed_after = _script_outputs(r.stdout)
    assert ingest_rc == "rc=2"
    assert f"filingqa: error: {SAMPLE.name}: not stored: the store in {data} cannot be written: the disk is full (no space left on device)" in r.stderr
    assert "Traceback" not in r.stderr
    summary = [{k: report[k] for k in ("id", "name", "chunks", "facts")}]
    assert json.loads(listed_full)["filings"] == summary  # readable while the disk is full
    assert json.loads(listed_after)["filings"] == summary  # and once there is room, the failed ingest is swept:
    (after,) = dump_stores(kept)
    assert data_of(after) == data_of(ref) and entries(after)["pending"] == 0


@needs_mount_namespace
def test_a_read_only_data_directory_serves_answers_and_refuses_writes_clearly(tmp_path, clean_reference) -> None:
    ref_dir, report, ref = clean_reference.get()
    data = tmp_path / "data"
    shutil.copytree(ref_dir, data)
    read_only = f"mount --bind {data} {data} && mount -o remount,ro,bind {data} {data} || exit 99\n"

    # The server: ready, answers, and a 503 naming the cause for uploads and deletes (the command line's
    # `filingqa ingest` says the same and exits 2: see the full-disk test for that path).
    port = free_port()
    srv = Server(port=port, data_dir=data, log_path=tmp_path / "server.log", env=env_for(data))
    srv.launch(cmd=["unshare", "-m", "sh", "-c", read_only + f"exec {FILINGQA} serve --port {port}"])
    try:
        srv.wait_ready()
        with srv.client() as c:
            health = c.get("/healthz").json()
            assert "read-only" in health["read_only"]
            r = c.post("/v1/answer", json={"question": NET_LOSS, "filing": report["id"]})
            assert r.status_code == 200, r.text
            check_known_answer(r.json(), NET_LOSS)
            for r in (c.post("/v1/filings", files={"file": ("other.txt", b"ACME CORP\n\nNet sales were $5 million.\n")}), c.delete(f"/v1/filings/{report['id']}")):
                assert r.status_code == 503 and "the data directory is read-only" in r.json()["error"], r.text
            assert [f["id"] for f in c.get("/v1/filings").json()["filings"]] == [report["id"]]
    finally:
        srv.stop()
    assert data_of(dump_stores(data)[0]) == data_of(ref)  # untouched
    import tempfile

    assert not list(Path(tempfile.gettempdir()).glob(f"filingqa-readonly-{srv.proc.pid}-*"))  # the copy went with the server
