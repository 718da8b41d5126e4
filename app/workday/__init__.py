"""A working day on the web UI (issue 18): sorting and paging, saved views, bulk actions, the document picker, the dashboard lists."""
