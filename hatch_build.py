"""Compiles the engine's one C extension (`phrasecheck/engine/_native.c` and its parts) as the wheel is built.

An editable install builds it in place, beside its source; a regular wheel carries it and is
tagged for this Python and platform.  Without a working C compiler the install goes on with a
warning, and the engine runs the same steps in Python instead (same results, slower:
`phrasecheck.engine.grams.COMPILED` and `phrasecheck.engine.hits.COMPILED` are then False).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

MODULE = "phrasecheck.engine._native"
SOURCES = [f"phrasecheck/engine/{name}" for name in (
    "_native.c", "_gramtable.c", "_gramsums.c", "_gramunion.c", "_hitfilter.c", "_hitfilter_init.c", "_plain.c", "_wordgraph.c", "_verify.c",
    "_verify_init.c", "_front.c", "_needles.c", "_search.c", "_hits.c", "_keyscan.c", "_keyscan_build.c", "_rewrite.c",
    "_origins.c", "_judge.c", "_judge_text.c", "_judge_frames.c", "_judge_rank.c", "_latin.c")]
HEADERS = ["phrasecheck/engine/_native.h", "phrasecheck/engine/_gramtable.h", "phrasecheck/engine/_hitfilter.h",
           "phrasecheck/engine/_verify.h", "phrasecheck/engine/_keyscan.h", "phrasecheck/engine/_judge.h"]


class CompileExtension(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        try:
            built = _compile(Path(self.root))
        except Exception as error:  # a missing compiler or headers: the Python fallback serves
            self.app.display_warning(f"phrasecheck: {SOURCES[0]} not compiled ({type(error).__name__}: {error}); "
                                     "the engine will run the same steps in Python, slower")
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version != "editable":  # an editable install imports it from the source tree
            build_data["force_include"][str(built)] = built.relative_to(self.root).as_posix()


def _compile(root: Path) -> Path:
    """Builds the extension in place with setuptools' `build_ext` (the platform's compiler and
    flags) and answers the path of the built file."""
    from setuptools import Distribution, Extension

    here = os.getcwd()
    os.chdir(root)
    try:
        with tempfile.TemporaryDirectory() as temporary:
            extension = Extension(MODULE, SOURCES, depends=HEADERS, extra_compile_args=["-O2"] if os.name != "nt" else [])
            distribution = Distribution({"name": "phrasecheck", "script_name": "hatch_build.py", "ext_modules": [extension]})
            command = distribution.get_command_obj("build_ext")
            command.inplace = True
            command.build_temp = command.build_lib = temporary  # nothing left beside the sources but the module
            distribution.run_command("build_ext")
            return (root / command.get_ext_fullpath(MODULE)).resolve()
    finally:
        os.chdir(here)
