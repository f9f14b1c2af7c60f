"""A real HTTP server speaking the OpenAI chat-completions API with scripted faults, for
the llm_server's failure tests: the first N requests fail in the chosen way, then it
answers like a (very opinionated) LLM. GET /stats returns how many POSTs it received.

  python scripted_openai_server.py --port-file F [--fail 500|garbage|hang|none] [--count N] [--stall WORD]

The port is written to F once the server listens. Answers: a completion that says
HELPFUL_YES inside <label> when the user message mentions "kill", HELPFUL_NO otherwise,
wrapped in chatter the way small models write. With --stall WORD, a request whose user message
contains WORD is answered only after 5 s (always), the way a slow server answers the tail of a
queue of requests.
"""
import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

state = {"posts": 0, "lock": threading.Lock()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--fail", default="none", choices=["none", "500", "garbage", "hang"])
    ap.add_argument("--count", type=int, default=0, help="how many requests fail")
    ap.add_argument("--stall", default="", help="requests mentioning this word answer after 5 s")
    a = ap.parse_args()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, code, body, ctype="application/json"):
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/stats":
                self._send(200, json.dumps({"posts": state["posts"]}))
            else:
                self._send(404, "{}")

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            with state["lock"]:
                state["posts"] += 1
                n = state["posts"]
            if n <= a.count:
                if a.fail == "500":
                    return self._send(500, '{"error": "scripted failure"}')
                if a.fail == "garbage":
                    return self._send(200, "<html>this is not JSON</html>", "text/html")
                if a.fail == "hang":
                    time.sleep(5)
                    return self._send(500, "{}")
            if self.path != "/v1/chat/completions":
                return self._send(404, '{"error": "not found"}')
            user = body["messages"][-1]["content"]
            if a.stall and a.stall in user:
                time.sleep(5)
            line = user.split('The line: "', 1)[-1]
            verdict = "HELPFUL_YES" if "kill" in line else "HELPFUL_NO"
            text = f"<knowledge>Some NetHack facts.</knowledge>\n<analysis>About the line.</analysis>\n<label> {verdict} </label>"
            reply = {"id": "x", "object": "chat.completion", "model": body.get("model"),
                     "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}
            self._send(200, json.dumps(reply))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
