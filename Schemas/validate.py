#!/usr/bin/python3
"""Validates JSON documents against an Airfleet JSON Schema (draft 2020-12).

Usage: Schemas/validate.py SCHEMA DOCUMENT...
Prints one line per problem, with the JSON path at fault, and exits 1 if any document is invalid.
"""
import json
import sys

from pathlib import Path

try:
    from jsonschema import Draft202012Validator, FormatChecker, RefResolver
except ImportError:
    sys.exit("validate.py needs jsonschema: apt-get install python3-jsonschema (or pip install jsonschema)")


def resolver_for(schema):
    """Resolves a $ref to another schema of this folder by its $id, never over the network."""
    store = {}
    for path in Path(__file__).parent.glob("**/*.schema.json"):
        with open(path, encoding="utf-8") as file:
            other = json.load(file)
        if "$id" in other:
            store[other["$id"]] = other
    return RefResolver.from_schema(schema, store=store)


def main(arguments):
    if len(arguments) < 2:
        sys.exit(__doc__)
    with open(arguments[0], encoding="utf-8") as file:
        schema = json.load(file)
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=FormatChecker(), resolver=resolver_for(schema))
    invalid = 0
    for path in arguments[1:]:
        with open(path, encoding="utf-8") as file:
            document = json.load(file)
        errors = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
        for error in errors:
            location = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
            print(f"{path}: ${location}: {error.message}")
        invalid += bool(errors)
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
