"""The volunteer's files -> Project: typed readers, loaders, and the one write-back."""

from media_pub.project.load import Project, load_project

__all__ = ["Project", "load_project"]
