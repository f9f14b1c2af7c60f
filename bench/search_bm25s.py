"""The Python peer of bench/search: bm25s (PyPI, numpy sparse BM25) on the same corpus, the same
queries and the same scoring as spur's BM25 (Lucene's formula, k1 0.9, b 0.4, tokens =
lowercased runs of ASCII letters, digits and non-ASCII characters, as envs/search/bm25.h).

usage: search_bm25s.py CORPUS_JSONL QUERIES_JSON K OUT_JSON
Writes {"index_s", "query_s", "queries", "results": [[[doc, score], ...] per query]} (documents
with score 0 dropped, as spur never returns them).
"""
import json
import re
import sys
import time

import bm25s

# spur's BM25 tokens (envs/search/bm25.h): runs of Unicode letters and numbers, lowercased; all
# else separates. (Python's \w leaves out combining marks, which spur keeps inside a word, and
# str.lower() uses full case mapping where spur uses simple: equal on precomposed text.)
TOKEN = re.compile(r"[^\W_]+")


def tokens(text):
    return [t.lower() for t in TOKEN.findall(text)]


def main():
    corpus_path, queries_path, k, out_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    with open(corpus_path, encoding="utf-8") as f:
        texts = [json.loads(line)["contents"] for line in f if line.strip()]
    with open(queries_path, encoding="utf-8") as f:
        queries = json.load(f)
    start = time.perf_counter()
    retriever = bm25s.BM25(method="lucene", k1=0.9, b=0.4)
    retriever.index([tokens(t) for t in texts], show_progress=False)
    index_s = time.perf_counter() - start
    start = time.perf_counter()
    docs, scores = retriever.retrieve([tokens(q) for q in queries], k=k, show_progress=False, n_threads=1)
    query_s = time.perf_counter() - start
    results = []
    for row_docs, row_scores in zip(docs.tolist(), scores.tolist()):
        results.append([[int(d), float(s)] for d, s in zip(row_docs, row_scores) if s > 0])
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"index_s": index_s, "query_s": query_s, "queries": len(queries), "results": results}, f)


if __name__ == "__main__":
    main()
