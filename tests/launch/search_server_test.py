"""`spur retrieve-server` and the search env's HTTP retriever, end to end with real servers.

  shapes    spur's server answers Search-R1's request shapes (two queries with scores; topk
            omitted, null or 0 = the server's --topk; return_scores false), byte-identical to a
            FastAPI server of the same API (envs/search/reference/retrieval_api_server.py: what
            Search-R1's retrieval_server.py is built with) on the same corpus and ranking
  invalid   a body that is not the schema gets 422 with FastAPI's {"detail": [...]}; the
            server keeps serving
  client    env.search.retriever=http://... plays the same episodes through spur's server, the
            FastAPI server and the in-process BM25 (same EM); a server that fails its first
            requests (503) is retried; one that answers garbage or is down is counted in
            retriever_errors and the evaluation still finishes

usage: search_server_test.py --spur build/spur --repo .
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
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
        garbage, garbage_port = start([python, api_server, "--corpus", corpus, "--port-file", port_file, "--garbage"], port_file,
                                      os.path.join(tmp, "garbage.log"))
        try:
            r, lines = eval_search(args.spur, args.repo, world, "http://127.0.0.1:%d/retrieve" % garbage_port, tmp, "garbage",
                                   "env.search.retriever_retries=1")
            check("client: a server answering garbage is counted in retriever_errors, the evaluation finishes (%s)"
                  % [l["metrics"]["retriever_errors"] for l in lines],
                  r.returncode == 0 and len(lines) == 3 and all(l["metrics"]["retriever_errors"] == 1 for l in lines)
                  and "not the API" not in r.stdout, r.stdout[-1500:] + r.stderr[-1500:])
        finally:
            stop(garbage)
        r, lines = eval_search(args.spur, args.repo, world, "http://127.0.0.1:%d/retrieve" % garbage_port, tmp, "down",
                               "env.search.retriever_retries=0")
        check("client: a retriever that is down is counted, the evaluation finishes",
              r.returncode == 0 and len(lines) == 3 and all(l["metrics"]["retriever_errors"] == 1 for l in lines), r.stdout[-1500:] + r.stderr[-1500:])
    failed = RESULTS.count(False)
    print("%d passed, %d failed" % (len(RESULTS) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
