"""Lexicon packs: the pattern language, the YAML schema, and loading with `extends`."""

from .loading import LoadedPack, available_packs, load_packs, read_pack, resolve, search_path, yaml_files
from .reading import read_yaml_mapping
from .patterns import ElementSpec, PatternSyntaxError, parse_pattern
from .schema import SEVERITY_RANK, ConversationRule, Courtesy, Pack, PhraseList, Rule, ScoringConfig, Severity, Source
from .wordlist import WordList, read_word_list

__all__ = [
    "ConversationRule", "Courtesy", "ElementSpec", "LoadedPack", "Pack", "PhraseList", "PatternSyntaxError", "Rule", "SEVERITY_RANK",
    "ScoringConfig", "Severity", "Source", "available_packs", "load_packs", "parse_pattern", "read_pack",
    "read_word_list", "read_yaml_mapping", "resolve", "search_path", "WordList", "yaml_files",
]
