"""`spur retrieve-server` and the search env's HTTP retriever, end to end with real servers.

  shapes    spur's server answers Search-R1's request shapes (two queries with scores; topk
            omitted, null or 0 = the server's --topk; return_scores false), byte-identical to a
            FastAPI server of the same API (envs/search/reference/retrieval_api_server.py: what
            Search-R1's retrieval_server.py is built with) on the same corpus and ranking
  invalid   a body that is not the schema gets 422 with FastAPI's {"detail": [...]}; the
            server keeps serving
  limits    with the default limits, 16 clients trickling their headers and a body of 1,000,000
            queries (422 while it is parsed) do not stop a normal client being served, and the
            server's memory stays bounded; --max-queries, --max-topk (422) and --max-body-bytes
            (413, also for a chunked body) are enforced
  client    env.search.retriever=http://... plays the same episodes through spur's server, the
            FastAPI server and the in-process BM25 (same EM); a server that fails its first
            requests (503) is retried; one that answers garbage mid-run is counted in
            retriever_errors and the evaluation still finishes; one that is down or answers
            garbage from the start stops the evaluation at start with one error

usage: search_server_test.py --spur build/spur --repo .
"""

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

RESULTS = []

CORPUS = [
    ("0", "Kelvar Press", "Kelvar Press is a publishing house founded by Orin Vasquell in 1871 in Port Ambriel."),
    ("1", "Orin Vasquell", "Orin Vasquell was a printer born in 1843 in Dunmere. He founded Kelvar Press."),
    ("2", "Dunmere", "Dunmere is a market town on the river Sael, first chartered in 1602."),
    ("3", "Orin Vasquell (sculptor)", "Orin Vasquell is a sculptor born in 1901 in Tessaly, known for bronze cranes."),
    ("4", "Port Ambriel", "Port Ambriel is a harbour city whose \u00e9tudes of glass and salt trade date to 1540."),
    ("5", "Tessaly", "Tessaly is a hill village with a stone bridge over the Quarn."),
]
QUESTIONS = [
    {"id": "q0", "question": "In which year was the founder of Kelvar Press born?", "golden_answers": ["1843"], "evidence": ["0", "1"], "hops": 2, "type": "bridge"},
    {"id": "q1", "question": "Where was the sculptor Orin Vasquell born?", "golden_answers": ["Tessaly"], "evidence": ["3"], "hops": 1, "type": "single"},
    {"id": "q2", "question": "On which river is Dunmere?", "golden_answers": ["Sael"], "evidence": ["2"], "hops": 1, "type": "single"},
]


def check(name, ok, detail=""):
    RESULTS.append(bool(ok))
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else "  -- " + str(detail)[:3000]))
    sys.stdout.flush()


def post(port, body, raw=False):
    data = body if raw else json.dumps(body).encode()
    req = urllib.request.Request("http://127.0.0.1:%d/retrieve" % port, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def peak_rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def timed_post(port, body, timeout):
    start = time.monotonic()
    data = json.dumps(body).encode()
    req = urllib.request.Request("http://127.0.0.1:%d/retrieve" % port, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), time.monotonic() - start
    except urllib.error.HTTPError as e:
        return e.code, e.read(), time.monotonic() - start
    except Exception as e:  # a timeout: what a stalled server gives
        return None, repr(e).encode(), time.monotonic() - start


def slow_client(port, stop):
    """Opens a request and sends its headers a byte every 0.5 s (within any read timeout)."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"POST /retrieve HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        while not stop.is_set():
            s.sendall(b"X")
            stop.wait(0.5)
        s.close()
    except OSError:
        pass  # the server closing a slow client is fine


def declared_post(port, length):
    """Headers that announce a body of `length` bytes, and no body: the status and body of the
    reply (which must not wait for the body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"POST /retrieve HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % length)
        reply = b""
        try:
            while True:
                part = s.recv(65536)
                if not part:
                    break
                reply += part
        except socket.timeout:
            return None, b"no reply within 10 s"
    head, _, body = reply.partition(b"\r\n\r\n")
    try:
        return int(head.split()[1]), body
    except (IndexError, ValueError):
        return None, reply[:300]


def chunked_post(port, megabytes):
    """A chunked body of `megabytes` MiB (no Content-Length): the status, or None if the server
    closed the connection before answering."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest("POST", "/retrieve")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        chunk = b"[" + b'"q", ' * 200000
        for _ in range(megabytes):
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.send(b"0\r\n\r\n")
        r = conn.getresponse()
        return r.status, r.read()
    except OSError as e:
        try:
            r = conn.getresponse()
            return r.status, r.read()
        except Exception:
            return None, repr(e).encode()
    finally:
        conn.close()


def limits(spur, corpus, tmp, port_file):
    # The default limits: slow clients and a huge body while a normal client asks.
    server, port = start([spur, "retrieve-server", "--corpus", corpus, "--port", "0", "--port-file", port_file, "--topk", "2"],
                         port_file, os.path.join(tmp, "limits_default.log"))
    normal = {"queries": ["Kelvar Press founder"], "topk": 2}
    halt = threading.Event()
    try:
        s, _, base_s = timed_post(port, normal, 10)
        check("limits: a normal request (%.3f s)" % base_s, s == 200)
        slow = [threading.Thread(target=slow_client, args=(port, halt), daemon=True) for _ in range(16)]
        for t in slow:
            t.start()
        time.sleep(1.5)  # all 16 connected and trickling
        s, b, took = timed_post(port, normal, 5)
        check("limits: 16 clients trickling their headers; a normal client is served (%.3f s)" % took, s == 200 and took < 3, (s, b[:300]))
        rss_before = peak_rss_mb(server.pid)
        huge = json.dumps({"queries": ["q%d" % (i % 1000) for i in range(1000000)], "topk": 2}).encode()
        result = {}

        def send_huge():
            start_t = time.monotonic()
            req = urllib.request.Request("http://127.0.0.1:%d/retrieve" % port, data=huge, headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    result["status"], result["body"] = r.status, r.read()
            except urllib.error.HTTPError as e:
                result["status"], result["body"] = e.code, e.read()
            except Exception as e:
                result["status"], result["body"] = None, repr(e).encode()
            result["s"] = time.monotonic() - start_t

        h = threading.Thread(target=send_huge, daemon=True)
        h.start()
        s, b, took = timed_post(port, normal, 5)
        h.join()
        check("limits: while a 1,000,000-query body (%.1f MB) is sent, a normal client is served (%.3f s)" % (len(huge) / 1e6, took),
              s == 200 and took < 3, (s, b[:300]))
        detail = json.loads(result["body"]).get("detail", []) if result.get("status") == 422 else []
        check("limits: the 1,000,000-query body gets 422 too_long on queries (%s in %.2f s)" % (result.get("status"), result.get("s", 0)),
              detail and detail[0]["loc"] == ["body", "queries"] and detail[0]["type"] == "too_long", str(result)[:500])
        grown = peak_rss_mb(server.pid) - rss_before
        check("limits: the server's peak memory grew %.0f MB for it (< 100 MB)" % grown, grown < 100, grown)
        halt.set()
        for t in slow:
            t.join()
        s, _, took = timed_post(port, normal, 5)
        check("limits: still serving afterwards (%.3f s)" % took, s == 200)
    finally:
        halt.set()
        stop(server)

    # Explicit limits.
    server, port = start([spur, "retrieve-server", "--corpus", corpus, "--port", "0", "--port-file", port_file, "--topk", "2",
                          "--max-queries", "100", "--max-topk", "20", "--max-body-bytes", "1000000", "--timeout", "5"],
                         port_file, os.path.join(tmp, "limits_explicit.log"))
    try:
        s, _ = post(port, {"queries": ["q"] * 100, "topk": 20})
        check("limits: 100 queries with topk 20 are served at --max-queries 100 --max-topk 20", s == 200)
        for body, field, kind in (({"queries": ["q"] * 101}, "queries", "too_long"), ({"queries": ["q"], "topk": 21}, "topk", "less_than_equal"),
                                  ({"queries": ["q"], "topk": -1}, "topk", "greater_than_equal")):
            s, b = post(port, body)
            d = json.loads(b).get("detail", []) if s == 422 else []
            check("limits: %s gets 422 %s on %s" % (json.dumps(body)[:60], kind, field),
                  d and d[0]["loc"] == ["body", field] and d[0]["type"] == kind and "msg" in d[0], (s, b[:300]))
        s, b = declared_post(port, 1100000)
        check("limits: a body declared as 1.1 MB gets 413 before it is sent, with a detail naming the limit (--max-body-bytes 1000000)",
              s == 413 and "1000000" in json.loads(b).get("detail", ""), (s, b[:300]))
        rss_before = peak_rss_mb(server.pid)
        s, b = chunked_post(port, 40)
        grown = peak_rss_mb(server.pid) - rss_before
        check("limits: a 40 MB chunked body is refused (%s) and the server's peak memory grew %.0f MB (< 20 MB)" % (s, grown),
              s in (413, None) and grown < 20, (s, b[:300], grown))
        s, _ = post(port, {"queries": ["Dunmere river"]})
        check("limits: still serving afterwards", s == 200)
    finally:
        stop(server)


def start(cmd, port_file, log):
    if os.path.exists(port_file):
        os.remove(port_file)
    p = subprocess.Popen(cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    for _ in range(600):
        if os.path.exists(port_file):
            with open(port_file) as f:
                text = f.read().strip()
            if text:
                return p, int(text)
        if p.poll() is not None:
            raise RuntimeError("server exited: " + open(log).read()[-2000:])
        time.sleep(0.1)
    p.kill()
    raise RuntimeError("server did not start: " + open(log).read()[-2000:])


def stop(p):
    p.terminate()
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def eval_search(spur, repo, world, retriever, tmp, name, *extra):
    out = os.path.join(tmp, name + ".jsonl")
    cfg = os.path.join(repo, "configs", "search.yaml")
    r = subprocess.run([spur, "eval", cfg, "--policy", "top_document", "--episodes", "3", "--seed", "0", "--out", out,
                        "env.search.data_dir=" + world, "env.search.generate_entities=0", "env.search.question_order=cycle",
                        "env.search.retriever=" + retriever, "env.search.retriever_timeout_s=5", *extra],
                       capture_output=True, text=True, timeout=300)
    lines = [json.loads(l) for l in open(out)] if r.returncode == 0 and os.path.exists(out) else []
    return r, lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spur", required=True)
    ap.add_argument("--repo", required=True)
    args = ap.parse_args()
    python = os.environ.get("SPUR_PYTHON", sys.executable)
    api_server = os.path.join(args.repo, "envs", "search", "reference", "retrieval_api_server.py")
    with tempfile.TemporaryDirectory(prefix="spur-search-server-") as tmp:
        world = os.path.join(tmp, "world")
        os.makedirs(world)
        corpus = os.path.join(world, "corpus.jsonl")
        with open(corpus, "w") as f:
            for i, title, text in CORPUS:
                f.write(json.dumps({"id": i, "contents": '"%s"\n%s' % (title, text)}) + "\n")
        for split in ("train", "test"):
            with open(os.path.join(world, split + ".jsonl"), "w") as f:
                for q in QUESTIONS:
                    f.write(json.dumps(q) + "\n")
        port_file = os.path.join(tmp, "port")
        spur_server, spur_port = start([args.spur, "retrieve-server", "--corpus", corpus, "--port", "0", "--port-file", port_file, "--topk", "2"],
                                       port_file, os.path.join(tmp, "spur_server.log"))
        py_server, py_port = start([python, api_server, "--corpus", corpus, "--port-file", port_file, "--topk", "2"], port_file,
                                   os.path.join(tmp, "py_server.log"))
        try:
            # shapes: queries chosen so that no two documents tie.
            queries = ["Kelvar Press founder", "sculptor born Tessaly"]
            for body in ({"queries": queries, "topk": 3, "return_scores": False}, {"queries": queries}, {"queries": queries, "topk": None},
                         {"queries": queries, "topk": 0, "return_scores": False}, {"queries": ["zebra unknownword"], "topk": 3}):
                s1, b1 = post(spur_port, body)
                s2, b2 = post(py_port, body)
                check("shapes: %s: spur's reply is byte-identical to the FastAPI server's (%d bytes)" % (json.dumps(body), len(b1)),
                      s1 == 200 and s2 == 200 and b1 == b2, "%s %r\n%s %r" % (s1, b1[:600], s2, b2[:600]))
            body = {"queries": queries, "topk": 3, "return_scores": True}
            s1, b1 = post(spur_port, body)
            s2, b2 = post(py_port, body)
            r1, r2 = json.loads(b1)["result"], json.loads(b2)["result"]
            same_docs = [[d["document"] for d in q] for q in r1] == [[d["document"] for d in q] for q in r2]
            same_scores = all(abs(a["score"] - b["score"]) < 1e-4 for qa, qb in zip(r1, r2) for a, b in zip(qa, qb))
            check("shapes: with return_scores the documents are identical and the scores equal to 1e-4 (%s)" % [[round(d["score"], 4) for d in q] for q in r1],
                  s1 == 200 and same_docs and same_scores and len(r1[1]) == 3 and list(r1[0][0].keys()) == ["document", "score"]
                  and list(r1[0][0]["document"].keys()) == ["id", "contents"], b1[:600])
            check("shapes: the top document of the founder query is Kelvar Press, rendered as Search-R1's corpus row",
                  r1[0][0]["document"] == {"id": "0", "contents": '"Kelvar Press"\n' + CORPUS[0][2]}, r1[0][:1])
            check("shapes: non-ASCII text is sent as UTF-8, unescaped, as FastAPI does",
                  "\u00e9tudes".encode() in post(spur_port, {"queries": ["glass salt harbour"], "topk": 1})[1])

            # invalid bodies
            for body, raw, field in (({"topk": 3}, False, "queries"), ({"queries": "one string"}, False, "queries"),
                                     ({"queries": ["q"], "topk": "three"}, False, "topk"), (b"{not json", True, ""),
                                     ({"queries": ["q"], "return_scores": "yes"}, False, "return_scores")):
                s, b = post(spur_port, body, raw=raw)
                detail = json.loads(b).get("detail", []) if s == 422 else []
                check("invalid: %r gets 422 with a detail naming %r" % (body, field),
                      s == 422 and detail and detail[0]["loc"][-1] == field, (s, b[:300]))
            s, _ = post(spur_port, {"queries": ["Dunmere river"]})
            check("invalid: the server still serves after bad requests", s == 200)

            # client: the same episodes through both servers and in process.
            runs = {}
            for name, retriever in (("bm25", "bm25"), ("spur_server", "http://127.0.0.1:%d/retrieve" % spur_port),
                                    ("fastapi", "http://127.0.0.1:%d/retrieve" % py_port)):
                r, lines = eval_search(args.spur, args.repo, world, retriever, tmp, name)
                runs[name] = [(l["metrics"]["em"], l["metrics"]["retriever_errors"]) for l in lines]
                check("client: retriever %s plays 3 episodes (em, retriever errors: %s)" % (name, runs[name]),
                      r.returncode == 0 and len(lines) == 3 and all(e == 0 for _, e in runs[name]), r.stdout[-1500:] + r.stderr[-1500:])
            check("client: the same EM through spur's server, the FastAPI server and in process",
                  runs["bm25"] == runs["spur_server"] == runs["fastapi"] and sum(em for em, _ in runs["bm25"]) >= 1, runs)
        finally:
            stop(spur_server)
            stop(py_server)

        limits(args.spur, corpus, tmp, port_file)

        # A server that fails its first requests is retried; garbage and a dead server are counted.
        flaky, flaky_port = start([python, api_server, "--corpus", corpus, "--port-file", port_file, "--fail-first", "2"], port_file,
                                  os.path.join(tmp, "flaky.log"))
        try:
            r, lines = eval_search(args.spur, args.repo, world, "http://127.0.0.1:%d/retrieve" % flaky_port, tmp, "flaky",
                                   "env.search.retriever_retries=3")
            check("client: two 503 replies are retried (retriever errors %s)" % [l["metrics"]["retriever_errors"] for l in lines],
                  r.returncode == 0 and len(lines) == 3 and all(l["metrics"]["retriever_errors"] == 0 for l in lines), r.stdout[-1500:] + r.stderr[-1500:])
        finally:
            stop(flaky)
        # Garbage from the start: refused before any episode, naming the key.
        garbage, garbage_port = start([python, api_server, "--corpus", corpus, "--port-file", port_file, "--garbage"], port_file,
                                      os.path.join(tmp, "garbage.log"))
        try:
            r, lines = eval_search(args.spur, args.repo, world, "http://127.0.0.1:%d/retrieve" % garbage_port, tmp, "garbage_start",
                                   "env.search.retriever_retries=1")
            check("client: a server answering garbage from the start is refused before the first episode, naming env.search.retriever",
                  r.returncode != 0 and "env.search.retriever: http://127.0.0.1:%d/retrieve does not answer" % garbage_port in r.stderr
                  and "spur eval:" not in r.stdout, r.stdout[-1500:] + r.stderr[-1500:])
        finally:
            stop(garbage)
        # Garbage once the run is going: counted in retriever_errors, the evaluation finishes.
        garbage, garbage_port = start([python, api_server, "--corpus", corpus, "--port-file", port_file, "--garbage-after", "1"], port_file,
                                      os.path.join(tmp, "garbage.log"))
        try:
            r, lines = eval_search(args.spur, args.repo, world, "http://127.0.0.1:%d/retrieve" % garbage_port, tmp, "garbage",
                                   "env.search.retriever_retries=1")
            check("client: a server answering garbage mid-run is counted in retriever_errors, the evaluation finishes (%s)"
                  % [l["metrics"]["retriever_errors"] for l in lines],
                  r.returncode == 0 and len(lines) == 3 and all(l["metrics"]["retriever_errors"] == 1 for l in lines)
                  and "not the API" not in r.stdout, r.stdout[-1500:] + r.stderr[-1500:])
        finally:
            stop(garbage)
        # Nothing listening: one clear error at start instead of every turn's retries.
        r, lines = eval_search(args.spur, args.repo, world, "http://127.0.0.1:%d/retrieve" % garbage_port, tmp, "down",
                               "env.search.retriever_retries=0")
        check("client: a retriever that is down stops the evaluation at start, naming env.search.retriever and what to do",
              r.returncode != 0 and "does not answer" in r.stderr and "Couldn't connect" in r.stderr and "env.search.retriever: bm25" in r.stderr,
              r.stdout[-1500:] + r.stderr[-1500:])
    failed = RESULTS.count(False)
    print("%d passed, %d failed" % (len(RESULTS) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
