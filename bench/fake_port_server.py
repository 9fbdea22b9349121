#!/usr/bin/env python3
"""A stateful stand-in for Port's REST API, for the push benchmark (stdlib only).

Every API request waits --delay-ms before it is answered, like a round trip to
api.port.io, so a client's time is dominated by how many requests it makes one after
the other. Requests are counted per route (GET /__stats).

    python3 bench/fake_port_server.py --port 0 --delay-ms 50   # first line: PORT <n>

Routes: POST /v1/auth/access_token; GET/POST/PATCH blueprints; entity search, single
upsert and bulk upsert (<= 20); GET /__stats, POST /__reset_stats and POST /__seed
(no auth, no delay). Relations to missing entities are accepted (Port would refuse
them without create_missing_related_entities=true); with that flag they are created.
"""
import argparse
import copy
import json
import secrets
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

BULK_MAX = 20
SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT = 200, 1000
BLUEPRINT_DEFAULTS = {"schema": {"properties": {}, "required": []}, "relations": {},
                      "mirrorProperties": {}, "calculationProperties": {},
                      "aggregationProperties": {}}


class ApiError(Exception):
    def __init__(self, status, error, message):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class State:
    """Blueprints, entities, tokens and request counters; one lock guards them all."""

    def __init__(self):
        self.lock = threading.Lock()
        self.tokens = set()
        self.blueprints = {}  # id -> blueprint
        self.entities = {}    # blueprint id -> {identifier -> entity}, in insertion order
        self.routes = Counter()

    # -- blueprints ------------------------------------------------------------
    def put_blueprint(self, bp):
        full = copy.deepcopy(BLUEPRINT_DEFAULTS)
        full.update(copy.deepcopy(bp))
        full.setdefault("title", bp["identifier"])
        full["createdAt"] = full["updatedAt"] = now()
        self.blueprints[bp["identifier"]] = full
        self.entities.setdefault(bp["identifier"], {})
        return full

    def blueprint(self, bp_id):
        if bp_id not in self.blueprints:
            raise ApiError(404, "not_found", f'Blueprint with identifier "{bp_id}" was not found')
        return self.blueprints[bp_id]

    # -- entities ----------------------------------------------------------------
    def upsert(self, bp_id, body, merge, create_missing):
        """Stores one entity; returns (entity, created)."""
        ident = body.get("identifier")
        if not isinstance(ident, str) or not ident:
            raise ApiError(422, "invalid", "entity has no string identifier")
        bp = self.blueprint(bp_id)
        store = self.entities[bp_id]
        old = store.get(ident)
        stamp = now()
        if old is not None and merge:
            new = copy.deepcopy(old)
            for key in ("properties", "relations"):
                new[key].update(copy.deepcopy(body.get(key) or {}))
            for key in ("title", "icon", "team"):
                if key in body:
                    new[key] = body[key]
        else:
            new = {"identifier": ident, "title": body.get("title"), "icon": body.get("icon"),
                   "blueprint": bp_id, "team": body.get("team", []),
                   "properties": copy.deepcopy(body.get("properties") or {}),
                   "relations": copy.deepcopy(body.get("relations") or {}),
                   "createdAt": old["createdAt"] if old else stamp, "createdBy": "bench"}
        new.update(updatedAt=stamp, updatedBy="bench")
        store[ident] = new
        if create_missing:
            self.create_related(bp, new["relations"])
        return new, old is None

    def create_related(self, bp, relations):
        for name, value in relations.items():
            target = bp.get("relations", {}).get(name, {}).get("target")
            if target not in self.blueprints:
                continue
            for ident in value if isinstance(value, list) else [value]:
                if isinstance(ident, str) and ident and ident not in self.entities[target]:
                    self.upsert(target, {"identifier": ident, "title": ident}, True, False)

    def search(self, bp_id, body):
        self.blueprint(bp_id)
        query = body.get("query") or {}
        limit = body.get("limit", SEARCH_DEFAULT_LIMIT)
        if not isinstance(limit, int) or not 1 <= limit <= SEARCH_MAX_LIMIT:
            raise ApiError(422, "invalid_request", f"limit must be 1..{SEARCH_MAX_LIMIT}")
        cursor = str(body.get("from") or "c0")  # our cursors are "c<offset>"
        if not cursor[1:].isdigit():
            raise ApiError(422, "invalid_request", f"unknown cursor {cursor!r}")
        start = int(cursor[1:])
        store, rules = self.entities[bp_id], query.get("rules", [])
        if len(rules) == 1 and rules[0].get("property") == "$identifier" \
                and rules[0].get("operator") == "in":  # what clients send: look ids up directly
            hits = [store[i] for i in dict.fromkeys(rules[0]["value"]) if i in store]
        else:
            hits = [e for e in store.values() if matches(e, query)]
        page = hits[start:start + limit]
        include = body.get("include")
        if include:  # the fields a client asked for ($identifier is always sent)
            keep = ["identifier"] + (["title"] if "$title" in include else [])
            page = [{k: e[k] for k in keep} for e in page]
        else:
            page = copy.deepcopy(page)
        answer = {"ok": True, "entities": page}
        if start + limit < len(hits):
            answer["next"] = f"c{start + limit}"
        return answer


def field(entity, prop):
    if prop.startswith("$"):
        return entity.get(prop[1:])
    return entity["properties"].get(prop)


def matches(entity, query):
    """Port's query language, as far as the benchmark needs it: and/or over in/=/!= rules."""
    results = []
    for rule in query.get("rules", []):
        if "rules" in rule:
            results.append(matches(entity, rule))
            continue
        got, op, want = field(entity, rule.get("property", "")), rule.get("operator"), rule.get("value")
        if op == "in":
            results.append(got in want)
        elif op == "=":
            results.append(got == want)
        elif op == "!=":
            results.append(got != want)
        else:
            raise ApiError(422, "invalid_request", f"operator {op!r} is not supported by the fake")
    return any(results) if query.get("combinator") == "or" else all(results)


STATE = State()
DELAY = 0.05


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every answer carries Content-Length
    # Headers and body go out in two writes; with Nagle on, the client's delayed ACK
    # would add ~40 ms to every answer on top of the simulated delay.
    disable_nagle_algorithm = True

    def log_message(self, *args):  # one stderr line per request would slow the server
        pass

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PATCH(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-trace-id", secrets.token_hex(8))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        if url.path.startswith("/__"):  # benchmark controls: no auth, no delay, not counted
            try:
                return self.reply(*self.control(url.path, body if body is not None else {}))
            except (ApiError, KeyError, TypeError, AttributeError) as e:
                return self.reply(400, {"ok": False, "error": "bad_control_request", "message": repr(e)})
        with STATE.lock:
            STATE.routes[f"{self.command} {url.path}"] += 1
        time.sleep(DELAY)
        try:
            if body is None:
                raise ApiError(400, "invalid_json", "the body is not JSON")
            segments = [unquote(s) for s in url.path.split("/")[1:]]
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            status, answer = self.route(self.command, segments, query, body)
        except ApiError as e:
            status, answer = e.status, {"ok": False, "error": e.error, "message": e.message}
        except Exception as e:  # a bug in the fake must not hang the client
            status, answer = 500, {"ok": False, "error": "internal_error", "message": repr(e)}
        self.reply(status, answer)

    def control(self, path, body):
        with STATE.lock:
            if path == "/__stats" and self.command == "GET":
                return 200, {"requests": sum(STATE.routes.values()), "routes": dict(STATE.routes),
                             "entities": {bp: len(es) for bp, es in STATE.entities.items()}}
            if path == "/__reset_stats" and self.command == "POST":
                STATE.routes.clear()
                return 200, {"ok": True}
            if path == "/__seed" and self.command == "POST":
                for bp in body.get("blueprints", []):
                    STATE.put_blueprint(bp)
                for e in body.get("entities", []):
                    STATE.upsert(e["blueprint"], e, False, False)
                return 200, {"ok": True}
        return 404, {"ok": False, "error": "not_found", "message": f"no control route {path}"}

    def route(self, method, seg, query, body):
        if seg[:1] != ["v1"]:
            raise ApiError(404, "not_found", "unknown route")
        seg = seg[1:]
        if method == "POST" and seg == ["auth", "access_token"]:
            if not (body.get("clientId") and body.get("clientSecret")):
                raise ApiError(401, "unauthorized", "clientId and clientSecret are required")
            token = "tok-" + secrets.token_hex(16)
            with STATE.lock:
                STATE.tokens.add(token)
            return 200, {"ok": True, "accessToken": token, "expiresIn": 3600, "tokenType": "Bearer"}

        auth = self.headers.get("Authorization", "")
        with STATE.lock:
            if not (auth.startswith("Bearer ") and auth[7:] in STATE.tokens):
                raise ApiError(401, "unauthorized", "missing or unknown bearer token")
            return self.api(method, seg, query, body)

    def api(self, method, seg, query, body):
        """The authenticated routes; called with STATE.lock held."""
        flag = lambda name: query.get(name, "false") == "true"
        if seg == ["blueprints"] and method == "POST":
            if not isinstance(body.get("identifier"), str):
                raise ApiError(422, "invalid_request", "blueprint has no identifier")
            if body["identifier"] in STATE.blueprints:
                raise ApiError(409, "identifier_taken", f'Blueprint "{body["identifier"]}" already exists')
            return 201, {"ok": True, "blueprint": STATE.put_blueprint(body)}
        if len(seg) == 2 and seg[0] == "blueprints":
            bp = STATE.blueprint(seg[1])
            if method == "GET":
                return 200, {"ok": True, "blueprint": copy.deepcopy(bp)}
            if method == "PATCH":
                for key, value in copy.deepcopy(body).items():
                    if key == "relations":
                        bp["relations"].update(value)
                    elif key == "schema":
                        bp["schema"]["properties"].update(value.get("properties", {}))
                        if "required" in value:
                            bp["schema"]["required"] = value["required"]
                    elif key != "identifier":
                        bp[key] = value
                bp["updatedAt"] = now()
                return 200, {"ok": True, "blueprint": copy.deepcopy(bp)}
        if len(seg) >= 3 and seg[0] == "blueprints" and seg[2] == "entities":
            bp_id, rest = seg[1], seg[3:]
            if method == "POST" and rest == ["search"]:
                return 200, STATE.search(bp_id, body)
            if method == "POST" and rest == []:
                STATE.blueprint(bp_id)
                if not flag("upsert") and body.get("identifier") in STATE.entities[bp_id]:
                    raise ApiError(409, "identifier_taken", "entity already exists")
                entity, _ = STATE.upsert(bp_id, body, flag("merge"), flag("create_missing_related_entities"))
                return 201, {"ok": True, "entity": copy.deepcopy(entity)}
            if method == "POST" and rest == ["bulk"]:
                return self.bulk(bp_id, query, body, flag)
            if method == "GET" and len(rest) == 1:
                STATE.blueprint(bp_id)
                entity = STATE.entities[bp_id].get(rest[0])
                if entity is None:
                    raise ApiError(404, "not_found", f'Entity "{rest[0]}" was not found')
                return 200, {"ok": True, "entity": copy.deepcopy(entity)}
        raise ApiError(404, "not_found", f"no route {method} /v1/{'/'.join(seg)}")

    def bulk(self, bp_id, query, body, flag):
        STATE.blueprint(bp_id)
        entities = body.get("entities")
        if not isinstance(entities, list) or not 1 <= len(entities) <= BULK_MAX:
            raise ApiError(422, "invalid_request", f"entities must be a list of 1..{BULK_MAX}")
        done, errors = [], []
        for i, e in enumerate(entities):
            ident = e.get("identifier") if isinstance(e, dict) else None
            try:
                if not flag("upsert") and ident in STATE.entities[bp_id]:
                    raise ApiError(409, "identifier_taken", "entity already exists")
                _, created = STATE.upsert(bp_id, e if isinstance(e, dict) else {}, flag("merge"),
                                          flag("create_missing_related_entities"))
                done.append({"identifier": ident, "index": i, "created": created})
            except ApiError as err:
                errors.append({"identifier": ident if isinstance(ident, str) and ident else "unknown",
                               "index": i, "statusCode": err.status, "error": err.error,
                               "message": err.message})
        return (207 if errors else 200), {"ok": True, "entities": done, "errors": errors}


class Server(ThreadingHTTPServer):
    daemon_threads = True      # a kept-alive connection must not block shutdown
    request_queue_size = 256   # clients may open many connections at once


def main():
    global DELAY
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--delay-ms", type=float, default=50.0)
    args = ap.parse_args()
    DELAY = args.delay_ms / 1000
    server = Server(("127.0.0.1", args.port), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
