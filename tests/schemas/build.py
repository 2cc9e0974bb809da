#!/usr/bin/env python3
"""Builds a JSON Schema (draft 2020-12) of one custom resource from its upstream CRD.

Usage: build.py CRD.yaml VERSION ORIGIN OUT_PREFIX

Writes OUT_PREFIX.strict.json: the served version's openAPIV3Schema, wrapped to check a whole
object (`apiVersion` and `kind` must match, `metadata.name` must be a Kubernetes name), with
`additionalProperties: false` on every object that lists its properties and says nothing about
others, as `kubeconform -strict` does. ORIGIN goes into
the top-level description, naming the repository, tag, file and license.
"""
import copy
import json
import sys

import yaml

NAME = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"


def strict(node):
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
                    strict(sub)
            elif key != "enum" and key != "const" and key != "default" and key != "example":
                strict(value)
    elif isinstance(node, list):
        for item in node:
            strict(item)


def main():
    crd_path, version, origin, out = sys.argv[1:5]
    with open(crd_path, encoding="utf-8") as f:
        crd = yaml.safe_load(f)
    group = crd["spec"]["group"]
    kind = crd["spec"]["names"]["kind"]
    served = [v for v in crd["spec"]["versions"] if v["name"] == version and v.get("served")]
    if len(served) != 1:
        sys.exit(f"{crd_path}: version {version} is not served")
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
    strict(schema)
    with open(out + ".strict.json", "w", encoding="utf-8") as f:
        json.dump(schema, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
