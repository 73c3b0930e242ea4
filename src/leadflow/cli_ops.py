"""Operating commands (issue 9): backup and restore. Registered on the main `leadflow`
app by leadflow.cli."""

from __future__ import annotations
