"""A retrieval server that speaks Search-R1's API the way Search-R1's own server does (FastAPI +
pydantic + uvicorn, `POST /retrieve`), written for spur's tests and benchmarks: the client test
points env.search.retriever at it, the server test compares spur's reply bytes with its, and
`./spur bench search` measures it as the Python peer of `spur retrieve-server`.

Search over the corpus with bm25s (Lucene BM25, k1 0.9, b 0.4, spur's tokens), or misbehave on
purpose (--fail-first N: HTTP 503 for the first N requests; --garbage: a reply that is not the
API's; --garbage-after N: proper replies to the first N requests, garbage after) to test the
client's retries and checks.

usage: retrieval_api_server.py --corpus CORPUS_JSONL --port-file F [--port P] [--topk 3]
"""
import argparse
import json
import os
import re
import socket
from typing import List, Optional

import bm25s
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

# spur's BM25 tokens (envs/search/bm25.h): runs of Unicode letters and numbers, lowercased; all
# else separates. (Python's \w leaves out combining marks, which spur keeps inside a word, and
# str.lower() uses full case mapping where spur uses simple: equal on precomposed text.)
TOKEN = re.compile(r"[^\W_]+")


def tokens(text):
    return [t.lower() for t in TOKEN.findall(text)]


class QueryRequest(BaseModel):
    queries: List[str]
    topk: Optional[int] = None
    return_scores: bool = False


def free_port(host):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--topk", type=int, default=3)
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--garbage", action="store_true")
    ap.add_argument("--garbage-after", type=int, default=-1)
    args = ap.parse_args()

    with open(args.corpus, encoding="utf-8") as f:
        docs = [json.loads(line) for line in f if line.strip()]
    retriever = bm25s.BM25(method="lucene", k1=0.9, b=0.4)
    retriever.index([tokens(d["contents"]) for d in docs], show_progress=False)
    state = {"requests": 0}
    app = FastAPI()

    @app.post("/retrieve")
    def retrieve(request: QueryRequest):
        state["requests"] += 1
        if state["requests"] <= args.fail_first:
            return JSONResponse(status_code=503, content={"detail": "warming up"})
        if args.garbage or 0 <= args.garbage_after < state["requests"]:
            return {"results": "not the API"}
        k = min(request.topk or args.topk, len(docs))
        ids, scores = retriever.retrieve([tokens(q) for q in request.queries], k=k, show_progress=False, n_threads=1)
        result = []
        for row, row_scores in zip(ids.tolist(), scores.tolist()):
            hits = [(docs[d], float(s)) for d, s in zip(row, row_scores) if s > 0]
            if request.return_scores:
                result.append([{"document": doc, "score": score} for doc, score in hits])
            else:
                result.append([doc for doc, _ in hits])
        return {"result": result}

    port = args.port or free_port(args.host)

    @app.on_event("startup")
    def announce():
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, args.port_file)

    uvicorn.run(app, host=args.host, port=port, log_level="warning")


if __name__ == "__main__":
    main()
