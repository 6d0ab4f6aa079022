"""Stages 1–2: find the site's sources, split and validate frontmatter, render Markdown."""
from .discover import SourceFile, Sources, discover_sources
from .document import Document, parse_document, read_text
from .data import SiteData, load_data

__all__ = ["SourceFile", "Sources", "discover_sources", "Document", "parse_document",
           "read_text", "SiteData", "load_data"]
