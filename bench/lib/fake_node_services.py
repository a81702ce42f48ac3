"""What a collector benchmark needs around it, on loopback: an API server that answers the
collector's lists with nothing (the node's processes are then all host processes) and holds its
watches open, and a profile sink that accepts every OTLP or Pyroscope upload (HTTP 200).
With SCORCH_BENCH_PODS naming a JSON file of pod objects, pod lists answer those pods and
namespace lists the namespaces they are in (bench/pull-run.sh). With SCORCH_BENCH_API_CERT and
SCORCH_BENCH_API_KEY naming PEM files, the API server speaks TLS as a real one does (its client
side is part of what a collector loads and keeps).
Prints "api=<port> sink=<port>" and serves until killed."""
import http.server
import json
import os
import socketserver
import ssl
import sys
import threading
import time


PODS = json.load(open(os.environ["SCORCH_BENCH_PODS"])) if os.environ.get("SCORCH_BENCH_PODS") else []


class Api(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if "watch=true" in self.path or "watch=1" in self.path:
            # An idle watch: headers, then nothing until the server's own timeout.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            time.sleep(280)
            self.wfile.write(b"0\r\n\r\n")
            return
        items = []
        if PODS and self.path.startswith("/api/v1/pods"):
            items = PODS
        elif PODS and self.path.startswith("/api/v1/namespaces") and self.path.count("/") == 3:
            names = sorted({pod["metadata"]["namespace"] for pod in PODS})
            items = [{"metadata": {"name": n, "labels": {"kubernetes.io/metadata.name": n}}} for n in names]
        body = json.dumps({"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": items}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PATCH(self):
        self.do_POST()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A collector that stops resets its connections; that is no news for a benchmark.
        pass


api = Server(("127.0.0.1", 0), Api)
if os.environ.get("SCORCH_BENCH_API_CERT"):
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(os.environ["SCORCH_BENCH_API_CERT"], os.environ["SCORCH_BENCH_API_KEY"])
    api.socket = tls.wrap_socket(api.socket, server_side=True)
sink = Server(("127.0.0.1", 0), Api)
for server in (api, sink):
    threading.Thread(target=server.serve_forever, daemon=True).start()
print(f"api={api.server_address[1]} sink={sink.server_address[1]}", flush=True)
while True:
    time.sleep(3600)
