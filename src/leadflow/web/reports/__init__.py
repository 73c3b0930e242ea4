"""The report pages (issue 7): funnel, show rate, cohorts, the reverse-funnel plan and the
people behind every count, for owners and marketing."""
