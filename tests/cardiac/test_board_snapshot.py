"""The supervisor board's snapshot (reporting.board.selectors) carries a suspected cardiac arrest's block on its
incident's row (issue 30), as every live event's incident summary does."""
def test_the_board_snapshot_carries_a_suspected_arrest_on_its_row(db, centre, call_taker, make_medical, make_incident):
    """A board opened after the recognition shows the arrest at once (not only from the next live event)."""
    from reporting.board.selectors import _incidents

    arrest = make_medical(answers={"conscious": False, "breathing": False})
    other = make_incident()
    rows = {r["id"]: r for r in _incidents([centre.pk])[0]}
    block = rows[arrest.pk]["cardiac_arrest"]
    assert block["suspected"] is True and block["recognised_at"] and block["first_compression_at"] is None
    assert rows[other.pk]["cardiac_arrest"] is None
