"""The volunteer's files -> Project: typed readers, loaders, and the one write-back."""

from media_pub.project.links import http_url
from media_pub.project.load import Project, is_project, load_project, require_project

__all__ = ["Project", "http_url", "is_project", "load_project", "require_project"]
