"""The rule tables the feed checks read: namespaces, Apple's lists, limits, value patterns.

Data only, with its source beside each entry (STANDARDS.md sections 1-3, 6 and 8), so a
rule change is a table edit and the checks in rss.py, json_feed.py and artwork.py stay code.
"""

from __future__ import annotations

import re

from media_pub import site

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
PODCAST_ALT = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
PREFIXES = {ITUNES: "itunes", PODCAST: "podcast", PODCAST_ALT: "podcast", ATOM: "atom", CONTENT: "content"}

# Apple's category tree (STANDARDS 2: the Jan 2021 list, exact strings).
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition",
                         "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": ("Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
                "Home & Garden", "Video Games"),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": ("Business News", "Daily News", "Entertainment News", "News Commentary", "Politics",
             "Sports News", "Tech News"),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion",
                                "Spirituality"),
    "Science": ("Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
                "Natural Sciences", "Nature", "Physics", "Social Sciences"),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy", "Places & Travel",
                          "Relationships"),
    "Sports": ("Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey",
               "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness", "Wrestling"),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}

# ISO 639-1 two-letter codes; Apple's <language> takes one, optionally with a region.
ISO_639_1 = frozenset((
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bh",
    "bi", "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da",
    "de", "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr",
    "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz",
    "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj",
    "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln",
    "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb",
    "nd", "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi",
    "pl", "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk",
    "sl", "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti",
    "tk", "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo",
    "wa", "wo", "xh", "yi", "yo", "za", "zh", "zu",
))

# Apple's enclosure table (STANDARDS 2); other extensions are not listed by Apple.
APPLE_ENCLOSURE_TYPES = {ext: site.MIME_TYPES[ext] for ext in (".mp3", ".m4a", ".mp4", ".m4v", ".mov")}
APPLE_ENCLOSURE_TYPES[".pdf"] = "application/pdf"
# Types readers accept for an extension although Apple's table names another: warnings.
TYPE_ALIASES = {".m4a": {"audio/mp4", "audio/aac"}, ".m4v": {"video/mp4"}, ".mp3": {"audio/mp3"}}

PODCAST_MEDIA = {"podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "publisher",
                 "course"}
PODCAST_MEDIA |= {m + "L" for m in PODCAST_MEDIA} | {"mixed"}

MAX_TEXT = 255                   # Apple: tag values, unless stated otherwise
MAX_DESCRIPTION_BYTES = 4000     # Apple: description / summary
FEED_SIZE_WARNING = 1_000_000    # JSON Feed 1.1: "1 MB places a burden"; apps refetch hourly (TAP269)
ART_BYTES_WARNING = 512 * 1024   # PRX: meets NPR One and Spotify
ART_BYTES_ERROR = 8 * 1024 * 1024  # "hard-fail above a few MB" (STANDARDS 2; threshold unverified)
MAX_DURATION_SECONDS = 24 * 3600  # longer than a day: almost surely seconds written as ms
FETCH_LIMIT = 20 * 1024 * 1024

EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
LANGUAGE = re.compile(r"^([A-Za-z]{2,3})(?:-([A-Za-z]{2}|[0-9]{3}))?$")
RFC2822 = re.compile(
    r"^(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"(\d{4}) (\d{2}):(\d{2})(?::(\d{2}))? (GMT|UT|UTC|[ECMP][SD]T|Z|[+-]\d{4})$")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DURATION = re.compile(r"^(?:(\d+):)?(?:(\d{1,2}):)?(\d+(?:\.\d+)?)$")
UUID_TEXT = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
