"""Where the JSON API lives, defined once: the public API and the widget's own copy of it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Channel:
    """One copy of the JSON API: its URL prefix and the name the conversation log and feedback give it."""

    name: str
    prefix: str  # without the trailing slash, as FastAPI routers take it
    public: bool  # in the OpenAPI schema and behind the API key; the widget's copy is neither


API = Channel("api", "/api", public=True)
WIDGET = Channel("widget", "/embed/api", public=False)
CHANNELS = (API, WIDGET)
API_PATHS = tuple(f"{channel.prefix}/" for channel in CHANNELS)

# Management: the pages for people and their API, both behind the admin token.
ADMIN_API = "/api/admin"
ADMIN_PAGES = "/beheer"
ADMIN_PATHS = (f"{ADMIN_API}/", ADMIN_PAGES)
