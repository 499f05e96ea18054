"""Run FilingQA's whole run-time path in this one process and record every network call it makes.

    python netcheck_driver.py OUT.json SAMPLE QUESTION

Used by test_security.py, which runs it with networking denied (`unshare -n`: a network namespace
holding only a loopback interface) and WITHOUT the offline/telemetry variables in its environment, so
that FilingQA's own defaults are what is tested. An audit hook (sys.addaudithook) records every
socket connect/sendto and every name lookup whose target is not loopback; the denied network catches
what Python's hooks cannot see (native code).

Path: `filingqa ingest`, `filingqa ask` (the CLI's main), then the server app (API + chat UI) under
uvicorn on 127.0.0.1: health, the chat page, an answer, the OpenAI-compatible endpoint, an upload.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import sys
import threading
import time

OUT, SAMPLE, QUESTION = sys.argv[1], sys.argv[2], sys.argv[3]
events: list[str] = []


def _is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return False
    if host in ("localhost", "", "0.0.0.0", "::"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _hook(event: str, args: tuple) -> None:
    try:
        if event in ("socket.connect", "socket.sendto", "socket.connect_ex"):
            address = args[1]
            if isinstance(address, tuple) and not _is_loopback(address[0]):
                events.append(f"{event} {address!r}")
        elif event == "socket.getaddrinfo":
            if args[0] is not None and not _is_loopback(args[0]):
                events.append(f"{event} {args[0]!r}:{args[1]!r}")
        elif event in ("socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo"):
            host = args[0][0] if event == "socket.getnameinfo" and isinstance(args[0], tuple) else args[0]
            if not _is_loopback(host):
                events.append(f"{event} {host!r}")
        elif event in ("http.client.connect", "urllib.Request"):
            text = repr(args)
            if "127.0.0.1" not in text and "localhost" not in text:
                events.append(f"{event} {text[:200]}")
    except Exception as exc:  # never let the hook break the program it watches
        events.append(f"hook error {exc!r}")


sys.addaudithook(_hook)

result: dict = {"events": events}
try:
    import contextlib
    import io

    from filingqa.app.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result["ingest_rc"] = main(["ingest", SAMPLE, "--json"])
        result["ask_rc"] = main(["ask", QUESTION, "--json"])
    result["cli_output"] = out.getvalue().splitlines()

    import httpx
    import uvicorn

    from filingqa.app.api.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=120, trust_env=False) as c:
        deadline = time.monotonic() + 120
        while True:
            try:
                if c.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server was not ready in 120 s")
            time.sleep(0.2)
        filing = json.loads(result["cli_output"][0])["filings"][0]["id"]
        result["http"] = {
            "chat_page": c.get("/chat/").status_code,
            "answer": c.post("/v1/answer", json={"question": QUESTION, "filing": filing}).json(),
            "chat_completions": c.post("/v1/chat/completions", json={"model": filing, "messages": [{"role": "user", "content": QUESTION}]}).status_code,
            "upload": c.post("/v1/filings", files={"file": ("other.txt", b"ACME CORP\n\nNet sales were $5 million in the quarter.\n")}).status_code,
        }
    server.should_exit = True
    thread.join(30)
except BaseException as exc:  # reported to the test
    import traceback

    result["error"] = traceback.format_exc()
finally:
    with open(OUT, "w") as f:
        json.dump(result, f)
