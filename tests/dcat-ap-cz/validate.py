"""Validates LKOD JSON-LD documents against the official DCAT-AP-CZ
2024-05-28 JSON Schemas (PyPI jsonschema), offline.

Usage: validate.py SCHEMAS_DIR BASE_TYPES_DIR SCHEMA=FILE [SCHEMA=FILE ...]
  SCHEMAS_DIR     the standard's schémata/ (katalog.json, datová-sada.json, ...)
  BASE_TYPES_DIR  the basic data types the schemas refer to (text.json,
                  více-textů.json), as the national validator ships them
  SCHEMA=FILE     a schema's file name and the document to validate with it
Prints every error with its path; exits 1 when there is any.
"""
import json
import pathlib
import sys

from jsonschema import Draft202012Validator
from referencing import Registry, Resource


def main() -> int:
    schemas_dir, base_types_dir, *pairs = sys.argv[1:]
    registry = Registry()
    by_name = {}
    files = list(pathlib.Path(schemas_dir).glob("*.json")) + list(
        pathlib.Path(base_types_dir).glob("*.schema.json")
    )
    for path in files:
        doc = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(doc)
        registry = registry.with_resource(doc["$id"], resource)
        by_name[path.name] = doc
    errors = 0
    for pair in pairs:
        name, document = pair.split("=", 1)
        schema = by_name[name]
        instance = json.loads(pathlib.Path(document).read_text(encoding="utf-8"))
        validator = Draft202012Validator(schema, registry=registry)
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.path)):
            errors += 1
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            print(f"{document}: {name}: {where}: {error.message}")
    print(f"{len(pairs)} documents, {errors} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
