"""media-pub: publish podcasts and short film series from a folder of media and TOML."""

__version__ = "0.1.0"
