"""Reading manifest YAML into plain data that remembers where every value came from.

The YAML is composed into nodes (libyaml where available) and built into
``LocatedMap``/``LocatedList`` containers that carry the ``file:line:col`` of each member,
so that every later error — a pydantic type error, a dangling reference, a lint finding —
can point at the line a person has to change.

Scalars follow the YAML 1.2 core schema, not PyYAML's YAML 1.1 defaults: ``NO`` (Norway)
and ``on`` stay strings; only ``true``/``false`` are booleans. Aliases are allowed, but the
tree they expand to is bounded, so an alias bomb ("billion laughs") is refused, not
expanded. Files larger than ``MAX_FILE_BYTES`` are refused before they are parsed.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from personvern.manifest.errors import Location, ManifestError, Problem

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_NODES = 1_000_000
MAX_DEPTH = 64
MAX_FILES = 500

Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_ENV = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$|^0o[0-7]+$|^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}


class SubstitutedStr(str):
    """A string that had ``${VAR}`` substituted; ``raw`` is what the file says."""

    raw: str


class LocatedMap(dict[str, Any]):
    """A mapping that knows where it and each of its keys stand in the source."""

    def __init__(self, location: Location) -> None:
        super().__init__()
        self.location = location
        self.key_locations: dict[str, Location] = {}

    def at(self, key: str) -> Location:
        return self.key_locations.get(key, self.location)


class LocatedList(list[Any]):
    """A sequence that knows where it and each of its items stand in the source."""

    def __init__(self, location: Location) -> None:
        super().__init__()
        self.location = location
        self.item_locations: list[Location] = []

    def at(self, index: int) -> Location:
        if 0 <= index < len(self.item_locations):
            return self.item_locations[index]
        return self.location

    def add(self, value: Any, location: Location) -> None:
        self.append(value)
        self.item_locations.append(location)


def locate(tree: Any, path: tuple[str | int, ...]) -> Location | None:
    """The location of ``path`` in a located tree, or of its nearest existing ancestor."""
    found: Location | None = getattr(tree, "location", None)
    node = tree
    for step in path:
        in_map = isinstance(node, LocatedMap) and isinstance(step, str) and step in node
        in_list = isinstance(node, LocatedList) and isinstance(step, int) and step < len(node)
        if in_map or in_list:
            found, node = node.at(step), node[step]
        else:
            break
    return found


@dataclass
class SourceDocument:
    """The data of one manifest and what was read to build it."""

    tree: LocatedMap
    files: list[Path] = field(default_factory=list)
    unset_variables: list[Problem] = field(default_factory=list)


class _Builder:
    """Turns composed YAML nodes of one file into located containers."""

    def __init__(self, path: Path, display: str, environ: Mapping[str, str]) -> None:
        self.path = path
        self.display = display
        self.environ = environ
        self.nodes = 0
        self.unset: list[Problem] = []

    def location(self, node: yaml.Node) -> Location:
        mark = node.start_mark
        return Location(self.display, mark.line + 1, mark.column + 1)

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ManifestError.at(
                self.location(node),
                f"the YAML expands to more than {MAX_NODES:,} values; "
                "aliases that multiply (an alias bomb) are refused",
            )
        if depth > MAX_DEPTH:
            raise ManifestError.at(
                self.location(node),
                f"nesting deeper than {MAX_DEPTH} levels (a recursive alias?)",
            )
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            items = LocatedList(self.location(node))
            for child in node.value:
                items.add(self.build(child, depth + 1), self.location(child))
            return items
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, depth: int) -> LocatedMap:
        result = LocatedMap(self.location(node))
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ManifestError.at(
                    self.location(key_node), "merge keys ('<<') are not supported"
                )
            if not isinstance(key_node, yaml.ScalarNode):
                raise ManifestError.at(self.location(key_node), "a key must be a plain string")
            key = str(key_node.value)
            where = self.location(key_node)
            if key in result:
                first = result.key_locations[key]
                raise ManifestError.at(
                    where, f"duplicate key {key!r} (first defined at {first})"
                )
            result[key] = self.build(value_node, depth + 1)
            result.key_locations[key] = where
        return result

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        text: str = node.value
        if not node.style:  # plain scalar (libyaml says "", PyYAML None): YAML 1.2 core
            if text in _NULL:
                return None
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            if _INT.match(text):
                return int(text.replace("_", ""), 0) if text[:2] in ("0o", "0x") else int(
                    text.replace("_", "")
                )
            if _FLOAT.match(text) and any(c in text for c in ".eE"):
                return float(text.replace("_", ""))
        return self._substitute(text, node)

    def _substitute(self, text: str, node: yaml.Node) -> str:
        if "$" not in text:
            return text

        def replace(match: re.Match[str]) -> str:
            if match.group(0) == "$$":
                return "$"
            name, default = match.group("name"), match.group("default")
            if name in self.environ:
                return self.environ[name]
            if default is not None:
                return default
            self.unset.append(
                Problem(self.location(node), f"environment variable {name} is not set")
            )
            return match.group(0)

        result = SubstitutedStr(_ENV.sub(replace, text))
        result.raw = text
        return result


def read_file(path: Path, display: str, environ: Mapping[str, str]) -> tuple[Any, list[Problem]]:
    """Parse one YAML file into located data; size and syntax are checked here."""
    start = Location(display, 1, 1)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ManifestError.at(start, f"cannot read: {error.strerror or error}") from None
    if not path.is_file():
        raise ManifestError.at(start, "not a file")
    if size > MAX_FILE_BYTES:
        raise ManifestError.at(
            start,
            f"file is {size / 1_000_000:.1f} MB; manifest files over "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB are refused (split it with include:)",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ManifestError.at(start, f"not UTF-8 text ({error.reason})") from None
    try:
        node = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Location(display, mark.line + 1, mark.column + 1) if mark else start
        reason = " ".join(filter(None, [error.context, error.problem]))
        raise ManifestError.at(where, f"invalid YAML: {reason}") from None
    except yaml.YAMLError as error:
        raise ManifestError.at(start, f"invalid YAML: {error}") from None
    if node is None:
        return LocatedMap(start), []
    builder = _Builder(path, display, environ)
    return builder.build(node), builder.unset


def _include_targets(base: Path, entry: Any, where: Location) -> Iterator[Path]:
    if not isinstance(entry, str) or not entry:
        raise ManifestError.at(where, "include: entries must be file names or glob patterns")
    pattern = str(base.parent / entry)
    if glob.has_magic(entry):
        matches = sorted(glob.glob(pattern, recursive=True))
    else:
        matches = [pattern] if Path(pattern).is_file() else []
    if not matches:
        raise ManifestError.at(where, f"include: {entry!r} matches no file")
    for match in matches:
        yield Path(match)


def _merge(base: LocatedMap, addition: LocatedMap, problems: list[Problem]) -> None:
    """Merge an included file into the manifest: maps by key, lists by concatenation."""
    for key, value in addition.items():
        where = addition.at(key)
        if key not in base:
            base[key] = value
            base.key_locations[key] = where
            continue
        current = base[key]
        if isinstance(current, LocatedMap) and isinstance(value, LocatedMap):
            _merge(current, value, problems)
        elif isinstance(current, LocatedList) and isinstance(value, LocatedList):
            for index, item in enumerate(value):
                current.add(item, value.at(index))
        else:
            problems.append(Problem(where, f"{key!r} is already defined at {base.at(key)}"))


def read_manifest(
    path: Path, environ: Mapping[str, str] | None = None, *, display_root: Path | None = None
) -> SourceDocument:
    """Read a manifest file, or every ``*.yaml`` in a folder, following ``include:``."""
    env = os.environ if environ is None else environ
    root = display_root or Path.cwd()

    def display(p: Path) -> str:
        try:
            return str(p.resolve().relative_to(root.resolve()))
        except ValueError:
            return str(p)

    if path.is_dir():
        entries = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
        if not entries:
            raise ManifestError.at(Location(display(path), 1, 1), "folder holds no *.yaml file")
        tree = LocatedMap(Location(display(entries[0]), 1, 1))
        tree["include"] = LocatedList(tree.location)
        for entry in entries:
            tree["include"].add(entry.name, tree.location)
        origin = path / "(folder)"  # includes resolve relative to the folder itself
    else:
        tree, origin = None, path

    document = SourceDocument(tree=LocatedMap(Location(display(path), 1, 1)))
    problems: list[Problem] = []
    seen: set[Path] = set()

    def visit(file: Path, data: Any, stack: tuple[Path, ...]) -> None:
        where = getattr(data, "location", Location(display(file), 1, 1))
        if not isinstance(data, LocatedMap):
            raise ManifestError.at(where, "a manifest file must be a mapping at the top level")
        includes = data.pop("include", None)
        include_at = data.key_locations.pop("include", where)
        _merge(document.tree, data, problems)
        if includes is None:
            return
        if isinstance(includes, str):
            listed = LocatedList(include_at)
            listed.add(includes, include_at)
            includes = listed
        if not isinstance(includes, LocatedList):
            raise ManifestError.at(include_at, "include: must be a file name or a list of them")
        for index, entry in enumerate(includes):
            for target in _include_targets(file, entry, includes.at(index)):
                resolved = target.resolve()
                if resolved in stack:
                    chain = " → ".join(display(p) for p in (*stack, resolved))
                    raise ManifestError.at(includes.at(index), f"include cycle: {chain}")
                if resolved in seen:
                    continue
                seen.add(resolved)
                if len(seen) > MAX_FILES:
                    raise ManifestError.at(
                        includes.at(index), f"more than {MAX_FILES} included files"
                    )
                loaded, unset = read_file(target, display(target), env)
                document.files.append(target)
                document.unset_variables.extend(unset)
                visit(target, loaded, (*stack, resolved))

    if tree is not None:
        visit(origin, tree, ())
    else:
        seen.add(path.resolve())
        loaded, unset = read_file(path, display(path), env)
        document.files.append(path)
        document.unset_variables.extend(unset)
        if isinstance(loaded, LocatedMap):
            document.tree.location = loaded.location
        visit(path, loaded, (path.resolve(),))
    if problems:
        raise ManifestError(problems)
    return document
