"""The supervisor live board (issue 12): a snapshot of a supervisor's or official's centres (selectors), its API
(`GET /api/v1/board/`, the drill-down) and the page, which then follows the live event stream."""
