#!/usr/bin/env python3
"""Push baseline: Port's example-ecr-images approach, one upsert request per entity.

Reads Port entities (JSON lines, each with identifier/blueprint/properties/relations),
gets an access token and sends the entities one by one with
POST /v1/blueprints/{bp}/entities?upsert=true&merge=true. One kept-alive connection
is reused throughout, so the baseline pays no TCP setup per request (a fair baseline).
Prints `BASELINE <seconds> <requests>` last.

    python3 bench/baseline_single_upserts.py --url http://127.0.0.1:8080 --entities e.jsonl
"""
import argparse
import http.client
import json
import sys
import time
from urllib.parse import quote, urlsplit


class Api:
    """JSON over one persistent HTTP/1.1 connection; reconnects once if it was dropped."""

    def __init__(self, base):
        url = urlsplit(base)
        cls = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        self.conn = cls(url.hostname, url.port, timeout=60)
        self.prefix = url.path.rstrip("/")
        self.token = None
        self.requests = 0

    def call(self, method, path, body):
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in (1, 2):
            try:
                self.requests += 1
                self.conn.request(method, self.prefix + path, data, headers)
                resp = self.conn.getresponse()
                return resp.status, json.loads(resp.read() or b"{}")
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()  # the next request() opens a fresh connection
                if attempt == 2:
                    raise


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True, help="Port API base URL, e.g. https://api.port.io")
    ap.add_argument("--entities", required=True, help="JSON lines, one Port entity per line")
    ap.add_argument("--client-id", default="bench")
    ap.add_argument("--client-secret", default="bench-secret")
    args = ap.parse_args()
    with open(args.entities) as f:
        entities = [json.loads(line) for line in f if line.strip()]

    api = Api(args.url)
    start = time.perf_counter()
    status, body = api.call("POST", "/v1/auth/access_token",
                            {"clientId": args.client_id, "clientSecret": args.client_secret})
    if status != 200:
        sys.exit(f"baseline: token request failed: HTTP {status} {body}")
    api.token = body["accessToken"]
    for entity in entities:
        entity = dict(entity)
        bp = entity.pop("blueprint")  # the route names the blueprint; the body does not
        path = f"/v1/blueprints/{quote(bp, safe='')}/entities?upsert=true&merge=true"
        status, body = api.call("POST", path, entity)
        if status not in (200, 201):
            sys.exit(f"baseline: upsert of {entity.get('identifier')!r} failed: HTTP {status} {body}")
    elapsed = time.perf_counter() - start
    print(f"BASELINE {elapsed:.3f} {api.requests}")


if __name__ == "__main__":
    main()
