"""Person roles and groups: the Podcast Taxonomy (podcast-namespace taxonomy.json).

``podcast:person`` takes a ``role`` and a ``group`` from this list, case-insensitive
(docs/tags/person.md). Sidecars name only the role, so the group is looked up here
rather than left at the namespace's default ``cast``, which would claim a producer is
cast (STANDARDS 9.3). ``Editor`` is in two groups: Video Post-Production for video shows,
Writing otherwise.
"""

from __future__ import annotations

TAXONOMY: dict[str, tuple[str, ...]] = {
    "Creative Direction": ("Director", "Assistant Director", "Executive Producer", "Senior Producer",
                           "Producer", "Associate Producer", "Development Producer", "Creative Director"),
    "Cast": ("Host", "Co-Host", "Guest Host", "Guest", "Voice Actor", "Narrator", "Announcer", "Reporter"),
    "Writing": ("Author", "Editorial Director", "Co-Writer", "Writer", "Songwriter", "Guest Writer",
                "Story Editor", "Managing Editor", "Script Editor", "Script Coordinator", "Researcher",
                "Editor", "Fact Checker", "Translator", "Transcriber", "Logger"),
    "Audio Production": ("Studio Coordinator", "Technical Director", "Technical Manager", "Audio Engineer",
                         "Remote Recording Engineer", "Post Production Engineer"),
    "Audio Post-Production": ("Audio Editor", "Sound Designer", "Foley Artist", "Composer", "Theme Music",
                              "Music Production", "Music Contributor"),
    "Administration": ("Production Coordinator", "Booking Coordinator", "Production Assistant",
                       "Content Manager", "Marketing Manager", "Sales Representative", "Sales Manager"),
    "Visuals": ("Graphic Designer", "Cover Art Designer"),
    "Community": ("Social Media Manager",),
    "Misc.": ("Consultant", "Intern"),
    "Video Production": ("Camera Operator", "Lighting Designer", "Camera Grip", "Assistant Camera"),
    "Video Post-Production": ("Editor", "Assistant Editor"),
}

ROLES: frozenset[str] = frozenset(role.lower() for roles in TAXONOMY.values() for role in roles)
GROUPS: frozenset[str] = frozenset(group.lower() for group in TAXONOMY)


def groups_of(role: str) -> tuple[str, ...]:
    """The lower-case groups a role belongs to, in taxonomy order (empty if it is unknown)."""
    wanted = role.lower()
    return tuple(group.lower() for group, roles in TAXONOMY.items() if wanted in (r.lower() for r in roles))


def group_for(role: str, *, video: bool) -> str:
    """The group to write for a role given without one."""
    groups = groups_of(role)
    if len(groups) > 1:
        return "video post-production" if video and "video post-production" in groups else groups[0]
    return groups[0] if groups else "cast"
