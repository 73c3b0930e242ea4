"""The versioned JSON API (/api/v1) with django-ninja: thin adapters over the services and
selectors, one access table, errors that are always a 4xx with a code and a message."""
