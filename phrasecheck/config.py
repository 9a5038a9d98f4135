"""Settings from a file: `phrasecheck.toml`, or the `[tool.phrasecheck]` table of `pyproject.toml`.

As with Ruff, the nearest one wins, found by walking up from the working directory: in each
folder a `phrasecheck.toml` first, then a `pyproject.toml` that has the table (one without it is
passed over).  Top-level keys apply to every command that has the option; a table named after a
command (`[score]`, or `[tool.phrasecheck.score]`) sets that command's options and wins over the
top level.  The result is a Click `default_map`, so an option given on the command line still wins
over the file, and the file over the built-in defaults.

What may be written, and as what, is the command line's to say (`Key`s by option name); this
module finds, reads and checks the file.  Every error is one line naming the file and the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping

from .errors import PhrasecheckError

FILE_NAME = "phrasecheck.toml"
PYPROJECT = "pyproject.toml"
_YAML = (".yaml", ".yml")


class ConfigError(PhrasecheckError):
    """A configuration file that cannot be used: the message names the file and the key."""


@dataclass(frozen=True)
class Key:
    """What one key holds.  `path`: "always" for a file or folder, "yaml" for a pack or template
    that is a path only when it ends in .yaml; a relative path is taken from the file's folder."""

    kind: type  # str, int, bool or list (of strings)
    choices: tuple[str, ...] = ()
    path: Literal["", "always", "yaml"] = ""

    def describe(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        return {str: "a string", int: "an integer", bool: "true or false", list: "a list of strings"}[self.kind]

    def accepts(self, value: Any) -> bool:
        if self.kind is list:
            return isinstance(value, list) and all(isinstance(v, str) for v in value)
        if self.kind is int:
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, self.kind) and (not self.choices or value in self.choices)


@dataclass(frozen=True)
class Config:
    path: Path
    table: dict[str, Any]


def find(start: Path) -> Config | None:
    """The nearest configuration at or above `start`, or None."""
    for folder in (start, *start.parents):
        own = folder / FILE_NAME
        if own.is_file():
            return read(own)
        pyproject = folder / PYPROJECT
        if pyproject.is_file():
            tool = _parse(pyproject).get("tool", {})
            if isinstance(tool, dict) and "phrasecheck" in tool:
                return read(pyproject)
    return None


def read(path: Path) -> Config:
    """The settings in one file (`--config PATH`): a pyproject.toml's `[tool.phrasecheck]`, else the top level."""
    data = _parse(path)
    if path.name != PYPROJECT:
        return Config(path, data)
    table = data.get("tool", {}).get("phrasecheck") if isinstance(data.get("tool"), dict) else None
    if table is None:
        raise ConfigError(f"{path}: no [tool.phrasecheck] table")
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: tool.phrasecheck: expected a table")
    return Config(path, table)


def _parse(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the file ({error.strerror})") from None


def default_map(config: Config, keys: Mapping[str, Key], shared: Iterable[str],
                commands: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, Any]]:
    """Click's `default_map` for the root group: {command: {parameter name: value}}.

    `keys` says what each configurable option holds; `shared` are the keys allowed at the top
    level; `commands` maps each configurable command's option keys to its parameter names.
    """
    prefix = "tool.phrasecheck." if config.path.name == PYPROJECT else ""
    shared = set(shared)
    top: dict[str, Any] = {}
    tables: dict[str, dict[str, Any]] = {}
    for key, value in config.table.items():
        if key in commands:
            if not isinstance(value, dict):
                raise ConfigError(f"{config.path}: {prefix}{key}: expected a table of {key}'s options")
            tables[key] = value
        elif key in shared:
            top[key] = _checked(config, f"{prefix}{key}", keys[key], value)
        else:
            known = ", ".join([*sorted(shared), *(f"[{c}]" for c in commands)])
            raise ConfigError(f"{config.path}: unknown key '{prefix}{key}' (known: {known})")
    result: dict[str, dict[str, Any]] = {}
    for command, options in commands.items():
        own = tables.get(command, {})
        for key in own:
            if key not in options:
                known = ", ".join(options) or "none"
                raise ConfigError(f"{config.path}: unknown key '{prefix}{command}.{key}' ({command} options: {known})")
        values = {options[key]: value for key, value in top.items() if key in options}
        values |= {options[key]: _checked(config, f"{prefix}{command}.{key}", keys[key], value) for key, value in own.items()}
        if values:
            result[command] = values
    return result


def _checked(config: Config, name: str, key: Key, value: Any) -> Any:
    if not key.accepts(value):
        shown = f"{value!r}" if isinstance(value, (str, int, float, bool)) else f"a {type(value).__name__}"
        raise ConfigError(f"{config.path}: {name}: expected {key.describe()}, got {shown}")
    if key.path == "always" or (key.path == "yaml" and value.endswith(_YAML)):
        return str(config.path.parent / Path(value).expanduser())
    return value
