"""test_openapi.py - docs/openapi.yaml is kept true by this test.

The truth is the route tables in src/http/routes_*.c, as `garant routes
--json` prints them: method, pattern, auth level, where the handler runs
and the request body's fields (the very http_field array the handler
parses the body with; http_body_fields asserts it). Against it:

- every route has exactly one operation and every operation a route
  (a failure names the route and where its operation goes);
- each operation's x-garant-auth is the route's level, public routes need
  no security and the others do; {id} has its path parameter;
- each request body's schema is the route's fields exactly: the same
  properties, the same required ones, the same types, maxLength of strings
  and maxItems of arrays, additionalProperties false; a route without a
  body has no requestBody;
- the errors a route gives by construction are declared: 401 unless
  public, 403 for staff and admin routes and for writes (CSRF), 400, 413
  and 422 with a body, 404 with {id}, 503 on the hashing pool; each
  declared error answers with the Error schema;
- on a live server, GET /api/v1/openapi.json is the YAML document, and
  the answers to bad requests are declared: every route is sent a body
  with an unknown field (unauthenticated, and as a caller it admits), a
  cookie without its CSRF token, each documented query parameter with a
  value none takes, and, with a body, malformed JSON and each string one
  byte over its ceiling. A route with a body must refuse the
  unknown field with 422 (so the declared body is the one it parses); one
  without must not parse a body at all.
"""
import json
import os
import re
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.dirname(__file__))
from harness import GARANT, SOURCE, Server, expect, expect_status, run  # noqa: E402

SPEC_PATH = os.path.join(SOURCE, "docs", "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def routes():
    p = subprocess.run([GARANT, "routes", "--json"], capture_output=True, check=True)
    out = json.loads(p.stdout)
    expect(out, "`garant routes --json` printed no route")
    return out


def spec():
    with open(SPEC_PATH, encoding="utf-8") as f:
        return yaml.safe_load(f)


def resolve(doc, node):
    """node with local $refs followed."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        expect(ref.startswith("#/"), "only local $refs are used: %r" % ref)
        node = doc
        for part in ref[2:].split("/"):
            expect(isinstance(node, dict) and part in node, "unresolved $ref %r" % ref)
            node = node[part]
        seen += 1
        expect(seen < 20, "a $ref loop at %r" % ref)
    return node


def operations(doc):
    """{(METHOD, path): (operation, path item)}."""
    ops = {}
    for path, item in (doc.get("paths") or {}).items():
        for m, op in item.items():
            if m in METHODS:
                ops[(m.upper(), path)] = (op, item)
    return ops


def where(method, path):
    return "paths['%s'].%s" % (path, method.lower())


def declared(op):
    """The status codes an operation declares, `default` aside."""
    return {int(k) for k in op.get("responses", {}) if k != "default"}


def test_every_route_has_exactly_one_operation():
    rs = routes()
    ops = operations(spec())
    want = {(r["method"], r["path"]) for r in rs}
    missing = ["%s %s (%s: %s): add %s" % (r["method"], r["path"], r["auth"], r["summary"], where(r["method"], r["path"]))
               for r in rs if (r["method"], r["path"]) not in ops]
    expect(not missing, "routes without an operation in docs/openapi.yaml:\n  " + "\n  ".join(missing))
    extra = ["%s %s" % k for k in sorted(ops) if k not in want]
    expect(not extra, "docs/openapi.yaml describes operations that are no route: %s" % extra)
    dup = sorted({k for k in [(r["method"], r["path"]) for r in rs] if
                  [(x["method"], x["path"]) for x in rs].count(k) > 1})
    expect(not dup, "routes listed twice: %s" % dup)


def test_auth_levels_security_and_path_parameters():
    doc = spec()
    ops = operations(doc)
    root_security = doc.get("security")
    wrong = []
    for r in routes():
        key = (r["method"], r["path"])
        if key not in ops:
            continue  # reported above
        op, item = ops[key]
        name = "%s %s" % key
        if op.get("x-garant-auth") != r["auth"]:
            wrong.append("%s: x-garant-auth is %r, the route is %s" % (name, op.get("x-garant-auth"), r["auth"]))
        security = op.get("security", root_security)
        if r["auth"] == "public" and security != []:
            wrong.append("%s: a public route needs `security: []`" % name)
        if r["auth"] != "public" and not security:
            wrong.append("%s: a %s route needs a security requirement" % (name, r["auth"]))
        params = [resolve(doc, p) for p in item.get("parameters", []) + op.get("parameters", [])]
        in_path = {p["name"] for p in params if p.get("in") == "path"}
        want = set(re.findall(r"\{(\w+)\}", r["path"]))
        if in_path != want:
            wrong.append("%s: path parameters %s, the pattern has %s" % (name, sorted(in_path), sorted(want)))
        for p in params:
            if p.get("in") == "path" and (p.get("required") is not True or p.get("schema", {}).get("type") != "integer"):
                wrong.append("%s: path parameter %s must be a required integer" % (name, p["name"]))
    expect(not wrong, "operations that do not match their routes:\n  " + "\n  ".join(wrong))


def body_problems(doc, r, op):
    """How the operation's request body differs from the route's fields."""
    name = "%s %s" % (r["method"], r["path"])
    rb = op.get("requestBody")
    if r.get("raw_body"):
        # The body is a file, any type (POST /api/v1/attachments).
        content = resolve(doc, rb or {}).get("content", {})
        return [] if rb and list(content) == ["application/octet-stream"] else \
            ["%s: the route takes a file: requestBody with application/octet-stream only" % name]
    if r["body"] is None:
        return ["%s: the route reads no body, the operation has a requestBody" % name] if rb else []
    if not rb:
        return ["%s: the route reads a body %s, the operation has no requestBody" %
                (name, [f["name"] for f in r["body"]])]
    rb = resolve(doc, rb)
    out = []
    if rb.get("required") is not True:
        out.append("%s: requestBody.required must be true (no body is malformed JSON, 400)" % name)
    content = rb.get("content", {})
    if list(content) != ["application/json"]:
        return out + ["%s: the request body's only media type is application/json, not %s" % (name, list(content))]
    s = resolve(doc, content["application/json"].get("schema", {}))
    if s.get("type") != "object":
        out.append("%s: the body schema's type must be object" % name)
    if s.get("additionalProperties") is not False:
        out.append("%s: the body schema needs additionalProperties: false (unknown fields are 422)" % name)
    props = {k: resolve(doc, v) for k, v in (s.get("properties") or {}).items()}
    fields = {f["name"]: f for f in r["body"]}
    if set(props) != set(fields):
        out.append("%s: properties %s, the route's fields %s" % (name, sorted(props), sorted(fields)))
    req = {f["name"] for f in r["body"] if f["required"]}
    if set(s.get("required", [])) != req:
        out.append("%s: required %s, the route requires %s" % (name, sorted(s.get("required", [])), sorted(req)))
    for fname, f in fields.items():
        p = props.get(fname)
        if p is None:
            continue
        if p.get("type") != f["type"]:
            out.append("%s: '%s' is %r, the route takes %s" % (name, fname, p.get("type"), f["type"]))
        if f["type"] == "string" and p.get("maxLength") != f["max"]:
            out.append("%s: '%s' maxLength %r, the route's ceiling is %d bytes" % (name, fname, p.get("maxLength"), f["max"]))
        if f["type"] == "array":
            items = resolve(doc, p.get("items", {}))
            if p.get("maxItems") != f["max"]:
                out.append("%s: '%s' maxItems %r, the route's ceiling is %d" % (name, fname, p.get("maxItems"), f["max"]))
            if f.get("items") == "integer":
                if items.get("type") != "integer" or items.get("minimum") != 1:
                    out.append("%s: '%s' items must be integers of minimum 1 (ids)" % (name, fname))
            elif items.get("type") != "string" or items.get("maxLength") != f["item_max"]:
                out.append("%s: '%s' items must be strings of maxLength %d" % (name, fname, f["item_max"]))
    return out


def test_request_bodies_match_the_route_tables():
    doc = spec()
    ops = operations(doc)
    wrong = []
    for r in routes():
        key = (r["method"], r["path"])
        if key in ops:
            wrong += body_problems(doc, r, ops[key][0])
    expect(not wrong, "request bodies that differ from the routes' fields (`garant routes --json`):\n  " +
           "\n  ".join(wrong))


def test_query_parameters_match_the_route_tables():
    """The query parameters an operation declares are exactly those its
    route reads (`garant routes --json` "query"): any other is answered 400."""
    doc = spec()
    ops = operations(doc)
    wrong = []
    for r in routes():
        key = (r["method"], r["path"])
        if key not in ops:
            continue
        op, item = ops[key]
        params = [resolve(doc, p) for p in item.get("parameters", []) + op.get("parameters", [])]
        have = sorted(p["name"] for p in params if p.get("in") == "query")
        want = sorted(r.get("query") or [])
        if have != want:
            wrong.append("%s %s: the document has %s, the route reads %s" % (r["method"], r["path"], have, want))
    expect(not wrong, "query parameters that differ from the routes' (`garant routes --json`):\n  " +
           "\n  ".join(wrong))


def must_declare(r):
    """{status: why} a route can answer by construction."""
    need = {400: "an unknown query parameter"}
    if r["auth"] != "public":
        need[401] = "no session"
    if r["auth"] in ("staff", "admin", "metrics"):
        need[403] = "a %s route refuses other roles" % r["auth"]
    if r["auth"] == "user":
        need[403] = "a member her organization has not approved (yet)"
    if r["auth"] != "public" and r["method"] not in ("GET", "HEAD"):
        need[403] = "a cookie-authenticated write without X-CSRF-Token"
    if r["body"] is not None:
        need[400] = "malformed JSON"
        need[413] = "a body over 1 MiB"
        need[422] = "an unknown field"
    if "{" in r["path"]:
        need[404] = "no such record"
    if r["run"] == "hashing":
        need[503] = "the hashing pool's queue is full"
    return need


def test_errors_each_route_gives_are_declared():
    doc = spec()
    ops = operations(doc)
    error_schemas = {"#/components/schemas/Error", "#/components/schemas/PolicyError"}
    wrong = []
    for r in routes():
        key = (r["method"], r["path"])
        if key not in ops:
            continue
        op = ops[key][0]
        name = "%s %s" % key
        have = declared(op)
        for status, why in sorted(must_declare(r).items()):
            if status not in have:
                wrong.append("%s: declares no %d (%s)" % (name, status, why))
        if "default" not in op.get("responses", {}):
            wrong.append("%s: no `default` response (500, 503 while shutting down)" % name)
        for code, resp in op.get("responses", {}).items():
            if code != "default" and int(code) < 400:
                continue
            resp = resolve(doc, resp)
            ref = (resp.get("content", {}).get("application/json", {}).get("schema") or {}).get("$ref")
            if ref not in error_schemas:
                wrong.append("%s: response %s must be application/json with the Error schema" % (name, code))
    expect(not wrong, "error answers missing from docs/openapi.yaml:\n  " + "\n  ".join(wrong))


# ---- a live server ---------------------------------------------------------

PASSWORD = "correct horse battery"


def desk(s):
    """An admin, an organization (1) with a verified customer, a product, a
    ticket (1) and a webhook (1). Returns {level: token} for the probes."""
    s.add_staff("admin@vendor.example", "admin", PASSWORD)
    admin = s.login("admin@vendor.example")
    expect_status(s.post("/api/v1/orgs", {"name": "Acme", "plan": "professional", "domains": ["acme.example"]},
                         token=admin), 201)
    expect_status(s.post("/api/v1/products", {"name": "Widget", "stage": "ga"}, token=admin), 201)
    expect_status(s.post("/api/v1/signup", {"email": "jane@acme.example", "password": PASSWORD, "name": "Jane"}), 201)
    link = re.search(r"token=([A-Za-z0-9_\-]+)", s.smtp.wait_for("jane@acme.example")["data"]).group(1)
    expect_status(s.post("/api/v1/verify", {"token": link}), 200)
    customer = s.login("jane@acme.example")
    expect_status(s.post("/api/v1/tickets", {"subject": "Down", "body": "It is down."}, token=customer), 201)
    expect_status(s.post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook"}, token=admin), 201)
    return {"public": None, "user": customer, "staff": admin, "admin": admin, "metrics": admin, "account": customer}


def test_served_document_is_the_yaml():
    with Server() as s:
        r = expect_status(s.get("/api/v1/openapi.json"), 200)
        expect(r.headers.get("Content-Type", "").startswith("application/json"), r.headers)
        expect(r.json == spec(), "GET /api/v1/openapi.json differs from docs/openapi.yaml: rebuild, or the "
               "conversion (scripts/openapi_json.py) lost something")


def test_live_answers_are_declared():
    doc = spec()
    ops = operations(doc)
    # Logout last: it ends the session it is sent with.
    rs = sorted(routes(), key=lambda r: r["path"] == "/api/v1/logout")
    wrong = []
    with Server() as s:
        tokens = desk(s)

        def probe(r, what, resp):
            op = ops[(r["method"], r["path"])][0]
            if resp.status not in declared(op):
                wrong.append("%s %s answered %d to %s, which the operation does not declare (%s): %s" %
                             (r["method"], r["path"], resp.status, what, sorted(declared(op)), resp.raw[:200]))
            return resp

        for r in rs:
            if (r["method"], r["path"]) not in ops:
                continue  # reported by test_every_route_has_exactly_one_operation
            path = r["path"].replace("{id}", "1")
            unknown = {"no_such_field": 1}
            token = tokens[r["auth"]]
            if r["path"] == "/api/v1/logout":
                token = s.login("jane@acme.example")
            if r["auth"] != "public":
                probe(r, "no session", s.request(r["method"], path, unknown))
                probe(r, "a cookie without X-CSRF-Token",
                      s.request(r["method"], path, unknown, cookie="garant_session=" + token))
            if r["auth"] in ("staff", "admin", "metrics"):
                probe(r, "a customer", s.request(r["method"], path, unknown, token=tokens["user"]))
            resp = probe(r, "an unknown field", s.request(r["method"], path, unknown, token=token))
            said_unknown = resp.status == 422 and "unknown field 'no_such_field'" in resp.raw
            if r["body"] is not None and not said_unknown:
                wrong.append("%s %s has a body %s but did not refuse an unknown field with 422: %r" %
                             (r["method"], r["path"], [f["name"] for f in r["body"]], resp))
            if r["body"] is None and said_unknown:
                wrong.append("%s %s parses a body, but its route table row declares none" % (r["method"], r["path"]))
            # Each documented query parameter, given a value no parameter takes.
            op, item = ops[(r["method"], r["path"])]
            for prm in [resolve(doc, p) for p in item.get("parameters", []) + op.get("parameters", [])]:
                if prm.get("in") == "query":
                    probe(r, "?%s=not-a-value" % prm["name"],
                          s.request(r["method"], "%s?%s=not-a-value" % (path, prm["name"]), token=token))
            if r["body"] is None:
                continue
            resp = probe(r, "malformed JSON", s.request(r["method"], path, raw=b"{", token=token,
                                                        headers={"Content-Type": "application/json"}))
            if resp.status != 400:
                wrong.append("%s %s answered %d to malformed JSON, not 400" % (r["method"], r["path"], resp.status))
            for f in r["body"]:
                if f["type"] == "string":
                    probe(r, "'%s' one byte over %d" % (f["name"], f["max"]),
                          s.request(r["method"], path, {f["name"]: "x" * (f["max"] + 1)}, token=token))
    expect(not wrong, "live answers that docs/openapi.yaml does not declare:\n  " + "\n  ".join(wrong))


if __name__ == "__main__":
    run(globals(), "openapi")
