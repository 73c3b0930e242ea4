"""The numbers the team lives by (PRODUCT.md §6, issue 7): funnel facts kept from
history, and the reports, plan and forecast read from them."""
