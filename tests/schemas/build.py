#!/usr/bin/env python3
"""Builds the JSON Schemas (draft 2020-12) of one custom resource from its upstream CRD.

Usage: build.py CRD.yaml VERSION ORIGIN OUT_PREFIX
       build.py --strict SCHEMA.json OUT.strict.json

The first form writes OUT_PREFIX.json, the served version's openAPIV3Schema wrapped to check a
whole object (`apiVersion` and `kind` must match, `metadata.name` must be a Kubernetes name), and
OUT_PREFIX.strict.json, the same with `additionalProperties: false` on every object that lists
its properties and says nothing about others, as `kubeconform -strict` does. ORIGIN goes into
the top-level description, naming the repository, tag, file and license.

The second form makes the strict schema from a wrapped one (such as `../shared/schemas/*.json`),
which is how the strict step is checked without the upstream YAML (tests/schemas.rs).

`fetch` beside this file calls `wrapped` and `strict` for every CRD the tests judge by.
"""
import copy
import json
import sys

NAME = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"


def make_strict(node):
    """Adds `additionalProperties: false` in place, wherever an object lists its properties."""
    if isinstance(node, dict):
        if (
            "properties" in node
            and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")
        ):
            node["additionalProperties"] = False
        for key, value in node.items():
            if key in ("properties", "patternProperties", "$defs"):
                for sub in value.values():
                    make_strict(sub)
            elif key != "enum" and key != "const" and key != "default" and key != "example":
                make_strict(value)
    elif isinstance(node, list):
        for item in node:
            make_strict(item)


def strict(schema):
    """A strict copy of a wrapped schema."""
    out = copy.deepcopy(schema)
    make_strict(out)
    return out


def wrapped(crd, version, origin, where="the CRD"):
    """The served `version`'s openAPIV3Schema of `crd` (parsed YAML), checking a whole object."""
    group = crd["spec"]["group"]
    kind = crd["spec"]["names"]["kind"]
    served = [v for v in crd["spec"]["versions"] if v["name"] == version and v.get("served")]
    if len(served) != 1:
        sys.exit(f"{where}: version {version} is not served")
    schema = copy.deepcopy(served[0]["schema"]["openAPIV3Schema"])
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["description"] = (
        schema.get("description", "") + f" [{kind} {group}/{version}; from {origin}]"
    ).strip()
    props = schema.setdefault("properties", {})
    props["apiVersion"] = {"const": f"{group}/{version}", "type": "string"}
    props["kind"] = {"const": kind, "type": "string"}
    props["metadata"] = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 253, "pattern": NAME},
            "namespace": {"type": "string"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "required": ["name"],
    }
    schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind", "metadata"})
    return schema


def dump(schema, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(schema, f, indent=1, sort_keys=True)
        f.write("\n")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--strict":
        with open(sys.argv[2], encoding="utf-8") as f:
            dump(strict(json.load(f)), sys.argv[3])
        return
    if len(sys.argv) != 5:
        sys.exit(__doc__.split("\n\n")[1])
    import yaml  # only this form reads YAML (PyYAML; the test venv has it)

    crd_path, version, origin, out = sys.argv[1:5]
    with open(crd_path, encoding="utf-8") as f:
        crd = yaml.safe_load(f)
    schema = wrapped(crd, version, origin, crd_path)
    dump(schema, out + ".json")
    dump(strict(schema), out + ".strict.json")


if __name__ == "__main__":
    main()
