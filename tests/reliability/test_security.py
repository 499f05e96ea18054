"""Issue 7.5: security. Write endpoints need the API key when one is set; the key never appears in the
logs; CORS is closed by default; the server binds 127.0.0.1 unless told otherwise; and nothing goes
beyond loopback at run time (checked with the network denied and every connection recorded).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from relhelpers import FILINGQA, KNOWN, ROOT, SAMPLE, check_known_answer, env_for, free_port

pytestmark = pytest.mark.slow

NET_LOSS = next(iter(KNOWN))
HERE = Path(__file__).resolve().parent


def test_write_endpoints_need_the_key(rel_server, rel_api, rel_sample) -> None:
    key = rel_server.api_key
    small = ("note.txt", b"ACME CORP\n\nNet sales were $5 million.\n", "text/plain")
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {key}x"}, {"Authorization": f"Basic {key}"}, {"Authorization": key}, {"X-API-Key": key}):
        for r in (rel_api.post("/v1/filings", files={"file": small}, headers=headers), rel_api.delete(f"/v1/filings/{rel_sample}", headers=headers)):
            assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer", (headers, r.text)
            assert set(r.json()) == {"error", "detail"} and key not in r.text  # the key is never echoed
    assert [f["id"] for f in rel_api.get("/v1/filings").json()["filings"]] == [rel_sample]  # nothing was written
    r = rel_api.post("/v1/filings", files={"file": small}, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 201
    assert rel_api.delete(f"/v1/filings/{r.json()['id']}", headers={"Authorization": f"bearer {key}"}).status_code == 200
    # Reads need no key.
    assert rel_api.post("/v1/answer", json={"question": NET_LOSS, "filing": rel_sample}).status_code == 200


def test_the_key_never_appears_in_the_logs(rel_server, rel_api, rel_sample) -> None:
    key = rel_server.api_key
    rel_api.get("/v1/filings", headers={"Authorization": f"Bearer {key}"})
    rel_api.get(f"/v1/filings?api_key={key}")  # a client that puts it in the URL: the access log prints URLs
    rel_api.get(f"/v1/filings/{key}")
    rel_api.post("/v1/filings", files={"file": ("x.txt", b"")}, headers={"Authorization": f"Bearer {key}"})
    rel_api.delete(f"/v1/filings/{key}", headers={"Authorization": f"Bearer {key}"})
    time.sleep(0.5)
    log = rel_server.log()
    assert f"/v1/filings?api_key=[redacted]" in log  # the line is there, the key is not
    assert key not in log


def test_cors_is_closed_by_default_and_the_server_binds_loopback(rel_server, rel_api) -> None:
    for r in (
        rel_api.options("/v1/answer", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}),
        rel_api.post("/v1/answer", json={"question": "x", "filing": "y"}, headers={"Origin": "http://evil.example"}),
        rel_api.get("/v1/filings", headers={"Origin": "http://evil.example"}),
    ):
        assert not any(h.startswith("access-control-") for h in r.headers), dict(r.headers)
    # Started without --host or FILINGQA_HOST: every listening socket of the process is on 127.0.0.1.
    import psutil

    listening = [c.laddr for c in psutil.Process(rel_server.proc.pid).net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert listening and all(addr.ip == "127.0.0.1" for addr in listening), listening


def test_binding_elsewhere_is_explicit_and_warns_without_a_key(tmp_path) -> None:
    """`--host 0.0.0.0` binds all interfaces, with a warning when no key is set; CORS opens only to the
    configured origins. Run in a network namespace of its own (loopback only), so nothing is exposed."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("needs `unshare -n` (root)")
    port = free_port()
    probe = f"""
import json, socket, subprocess, sys, time, urllib.request
proc = subprocess.Popen([{str(FILINGQA)!r}, "serve", "--host", "0.0.0.0", "--port", "{port}"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
deadline = time.monotonic() + 60
while True:
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=1).close(); break
    except OSError:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
listen = [line.split()[1] for line in open("/proc/net/tcp").read().splitlines()[1:] if line.split()[3] == "0A"]
def preflight(origin):
    req = urllib.request.Request("http://127.0.0.1:{port}/v1/answer", method="OPTIONS", headers={{"Origin": origin, "Access-Control-Request-Method": "POST"}})
    try:
        return urllib.request.urlopen(req).headers.get("access-control-allow-origin")
    except urllib.error.HTTPError as exc:
        return exc.headers.get("access-control-allow-origin")
result = {{"listen": listen, "good": preflight("http://good.example"), "evil": preflight("http://evil.example")}}
proc.terminate()
result["output"] = proc.communicate(timeout=30)[0]
print(json.dumps(result))
"""
    env = env_for(tmp_path / "data", cors_origins="http://good.example")
    r = subprocess.run(["unshare", "-n", "sh", "-c", f'ip link set lo up && exec {sys.executable} -c "$PROBE"'], env={**env, "PROBE": probe}, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert f"00000000:{port:04X}" in result["listen"]  # 0.0.0.0:port
    assert "warning: binding 0.0.0.0 without FILINGQA_API_KEY" in result["output"]
    assert result["good"] == "http://good.example" and result["evil"] is None


def test_nothing_reaches_beyond_loopback_at_run_time(tmp_path) -> None:
    """Ingest, ask, and serve (API and chat UI) with the network denied and every connection recorded.

    The environment has no HF_HUB_OFFLINE / ANONYMIZED_TELEMETRY / GRADIO_ANALYTICS_ENABLED: FilingQA's
    own defaults must keep the model offline and telemetry and analytics off."""
    env = {k: v for k, v in env_for(tmp_path / "data").items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "ANONYMIZED_TELEMETRY", "GRADIO_ANALYTICS_ENABLED")}
    out = tmp_path / "netcheck.json"
    command = [sys.executable, str(HERE / "netcheck_driver.py"), str(out), str(SAMPLE), NET_LOSS]
    isolated = shutil.which("unshare") is not None and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
    if isolated:  # no route anywhere but loopback: a connection that slipped past the hook would fail
        command = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *command]
    r = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    result = json.loads(out.read_text())
    assert "error" not in result, result.get("error", "") + r.stderr[-2000:]
    assert result["events"] == [], result["events"]  # no connection, datagram or name lookup beyond loopback
    assert (result["ingest_rc"], result["ask_rc"]) == (0, 0)
    check_known_answer(json.loads(result["cli_output"][1]), NET_LOSS)
    http = result["http"]
    assert (http["chat_page"], http["chat_completions"], http["upload"]) == (200, 200, 201)
    check_known_answer(http["answer"], NET_LOSS)
    if not isolated:
        pytest.skip("ran with the audit hook only: `unshare -n` is not available here")
