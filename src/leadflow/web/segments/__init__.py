"""The segments page (issue 6): owners and marketing save client segments for exports."""
