#!/usr/bin/env python3
"""Checks recorded API responses against docs/openapi.yaml.

Reads lines `PATH_TEMPLATE STATUS CONTENT_TYPE FILE` on stdin (the path as
written in the document's `paths`, e.g. /schools/{code}), finds the
response object for that status, and validates the body in FILE against
its schema with jsonschema (OpenAPI 3.1 schemas are JSON Schema 2020-12).
Also checks that the document's own schemas are valid JSON Schema and that
every path of the document was exercised. Exit 0 when all is well.

usage: validate.py OPENAPI.yaml < list
"""
import json
import sys

import jsonschema
import yaml


def main():
    spec = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
    comps = spec["components"]
    if not str(spec.get("openapi", "")).startswith("3."):
        sys.exit("not an OpenAPI 3 document")
    V = jsonschema.Draft202012Validator
    for name, sch in comps["schemas"].items():
        V.check_schema(sch)
    seen, errors, n = set(), 0, 0
    for line in sys.stdin:
        if not line.strip():
            continue
        tmpl, status, ctype, path = line.split(None, 3)
        path = path.strip()
        n += 1
        op = spec["paths"].get(tmpl, {}).get("get")
        if op is None:
            print("%s: not in the document" % tmpl)
            errors += 1
            continue
        seen.add(tmpl)
        resp = op["responses"].get(status)
        if resp is None:
            print("%s: status %s is not documented" % (tmpl, status))
            errors += 1
            continue
        if "$ref" in resp:
            resp = comps["responses"][resp["$ref"].rsplit("/", 1)[1]]
        content = resp.get("content", {})
        media = ctype.split(";")[0].strip()
        if media not in content:
            print("%s %s: content type %s not documented (%s)"
                  % (tmpl, status, media, ", ".join(content)))
            errors += 1
            continue
        if media != "application/json":
            continue
        body = json.load(open(path, encoding="utf-8"))
        schema = dict(content[media]["schema"])
        schema["components"] = comps
        v = V(schema)
        errs = sorted(v.iter_errors(body), key=lambda e: list(e.path))
        for e in errs[:5]:
            print("%s %s (%s): %s at %s" % (tmpl, status, path, e.message,
                                            "/".join(map(str, e.path))))
        errors += len(errs)
    missing = set(spec["paths"]) - seen
    for m in sorted(missing):
        print("%s: never exercised" % m)
    errors += len(missing)
    print("validated %d responses against %s: %d problems" % (n, sys.argv[1], errors))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
