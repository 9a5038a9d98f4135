"""The utterance engine: normalize → match → judge → score → suggest, behind `engine.Checker`.

It imports nothing from the layers above it (readers, QA, reports, the CLI, the REST service).
"""
