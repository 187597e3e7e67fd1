"""One router per resource: ask/search, health, documents, and the search page."""
