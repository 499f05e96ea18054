"""Prompt templates, kept as text files beside this module so they can be read and reviewed as prose."""

from importlib.resources import files


def load(name: str) -> str:
    return files(__package__).joinpath(f"{name}.txt").read_text(encoding="utf-8")
