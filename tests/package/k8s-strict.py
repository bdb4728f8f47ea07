#!/usr/bin/python3
# tests/package/k8s-strict.py: the API server's strict field validation for
# Kubernetes manifests: every key of every object must be a field of its
# type. The types and their fields are the OpenAPI-generated models of the
# Debian package python3-kubernetes (openapi_types, attribute_map); the
# values themselves are checked by k8s-validate.cjs. Usage: k8s-strict.py
# FILE...; prints "ok (fields) FILE: KIND NAME" or each unknown field; exits 1 on any.
import sys

import kubernetes.client as k8s
import yaml


def model_of(api_version, kind):
    version = api_version.split("/")[-1]
    return getattr(k8s, version[0].upper() + version[1:] + kind, None)


def walk(obj, typ, path, errs):
    if obj is None:
        return
    if typ.startswith("list["):
        for i, item in enumerate(obj if isinstance(obj, list) else []):
            walk(item, typ[5:-1], f"{path}[{i}]", errs)
    elif typ.startswith("dict("):
        inner = typ[typ.index(",") + 1:-1].strip()
        for key, val in (obj.items() if isinstance(obj, dict) else []):
            walk(val, inner, f"{path}.{key}", errs)
    elif hasattr(k8s, typ) and hasattr(getattr(k8s, typ), "attribute_map"):
        cls = getattr(k8s, typ)
        if not isinstance(obj, dict):
            errs.append(f"{path}: not an object ({typ})")
            return
        by_key = {v: a for a, v in cls.attribute_map.items()}
        for key, val in obj.items():
            if key not in by_key:
                errs.append(f"{path}.{key}: unknown field of {typ}")
            else:
                walk(val, cls.openapi_types[by_key[key]], f"{path}.{key}", errs)


def main(files):
    failed = False
    for name in files:
        with open(name, encoding="utf-8") as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
        for doc in docs:
            what = f"{doc.get('kind')} {doc.get('metadata', {}).get('name')}"
            cls = model_of(str(doc.get("apiVersion")), str(doc.get("kind")))
            errs = []
            if cls is None:
                errs.append("unknown apiVersion/kind")
            else:
                walk(doc, cls.__name__, "", errs)
            if errs:
                print(f"FAIL (fields) {name}: {what}: " + "; ".join(errs))
                failed = True
            else:
                print(f"ok (fields) {name}: {what}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
