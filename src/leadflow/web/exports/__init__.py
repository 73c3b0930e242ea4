"""The exports page (issue 6): owners and marketing export a channel's list from a page."""
