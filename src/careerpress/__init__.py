"""careerpress: Markdown career guides -> a static site."""
__version__ = "0.1.0"
