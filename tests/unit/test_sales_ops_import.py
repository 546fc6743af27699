"""Parsing and checking rep and account imports (CSV and JSON): no database, no HTTP."""


import pytest

from services.router.salesops.importing import (
    ACCOUNT_CSV,
    REP_CSV,
    check_rows,
    parse_csv,
    parse_json_rows,
)
from services.router.salesops.models import AccountIn, RepIn
from services.shared.errors import ApiError

HEADER = "rep_id,name,email,team,manager_id,time_zone,max_open,max_new_per_day,active\n"


def _reps(text: str, stored: dict | None = None):
    return check_rows(parse_csv(HEADER + text, REP_CSV), RepIn, "rep_id", stored or {})


def _fields(check) -> list[str]:
    return [f.field for r in check.rejected for f in r.fields]


def test_csv_rows_carry_their_line_numbers_with_the_header_as_line_one():
    rows = parse_csv(HEADER + "a,Ann,,,,UTC,,,\n\nb,Bob,,,,UTC,,,\n", REP_CSV)
    assert [r.line for r in rows] == [2, 4]  # the blank line 3 is no row


def test_a_bad_cell_is_named_by_line_and_column():
    check = _reps("a,Ann,,,,UTC,,,\nb,Bob,,,,Mars/Olympus,,,\n")
    assert _fields(check) == ["line 3: time_zone"]
    assert check.rejected[0].line == 3 and check.rejected[0].id == "b"


def test_a_capacity_error_names_the_csv_column_not_the_nested_field():
    assert _fields(_reps("a,Ann,,,,UTC,-1,,\n")) == ["line 2: max_open"]


def test_json_rows_are_named_by_index_and_path():
    rows = parse_json_rows([{"rep_id": "a", "name": "Ann"}, {"rep_id": "b", "name": "Bob"},
                            {"rep_id": "c", "name": "Cy", "time_zone": "Nowhere/Land",
                             "capacity": {"max_new_per_day": "many"}}])
    check = check_rows(rows, RepIn, "rep_id", {})
    assert sorted(_fields(check)) == ["[2].capacity.max_new_per_day", "[2].time_zone"]
    assert check.rejected[0].index == 2


def test_any_bad_row_refuses_the_whole_import():
    check = _reps("a,Ann,,,,UTC,,,\nb,Bob,,,,Mars/Olympus,,,\n")
    with pytest.raises(ApiError) as refused:
        check.accepted(partial=False)
    assert refused.value.status == 422
    assert [f.field for f in refused.value.fields] == ["line 3: time_zone"]


def test_partial_keeps_the_good_rows_and_reports_the_bad_ones():
    check = _reps("a,Ann,,,,UTC,,,\nb,Bob,,,,Mars/Olympus,,,\nc,Cy,,,,UTC,,,\n")
    assert [m.rep_id for m in check.accepted(partial=True)] == ["a", "c"]
    assert [r.line for r in check.rejected] == [3]


def test_a_manager_may_be_a_rep_of_the_same_import():
    check = _reps("b,Bob,,,a,UTC,,,\na,Ann,,,,UTC,,,\n")
    check.require_references("manager_id", known=set(), within=True)
    assert [m.rep_id for m in check.accepted(partial=False)] == ["b", "a"]


def test_a_row_whose_manager_row_was_rejected_is_rejected_too():
    check = _reps("a,Ann,,,,Mars/Olympus,,,\nb,Bob,,,a,UTC,,,\nc,Cy,,,b,UTC,,,\n")
    check.require_references("manager_id", known=set(), within=True)
    assert _fields(check) == ["line 2: time_zone", "line 3: manager_id", "line 4: manager_id"]


def test_a_manager_known_to_the_database_is_accepted_and_an_unknown_one_is_not():
    check = _reps("a,Ann,,,boss,UTC,,,\nb,Bob,,,ghost,UTC,,,\n")
    check.require_references("manager_id", known={"boss"}, within=True)
    assert [m.rep_id for _, m in check.good] == ["a"]
    assert _fields(check) == ["line 3: manager_id"]
    assert "unknown rep 'ghost'" in check.rejected[0].fields[0].message


def test_a_rep_cannot_be_their_own_manager():
    check = _reps("a,Ann,,,a,UTC,,,\n")
    check.require_references("manager_id", known={"a"}, within=True)
    assert _fields(check) == ["line 2: manager_id"]


def test_empty_cells_are_null_where_allowed_and_otherwise_defaults():
    (rep,) = _reps("a,Ann,,,,,,,\n").accepted(partial=False)
    assert rep.email is None and rep.capacity.max_open is None
    assert rep.time_zone == "UTC" and rep.active is True


def test_a_row_updating_a_stored_rep_keeps_what_the_row_does_not_carry():
    stored = RepIn(rep_id="a", name="Ann", time_zone="Europe/Berlin", team="emea",
                   working_hours={"days": [0, 1, 2], "start": "08:00", "end": "16:00"},
                   capacity={"max_open": 5, "max_new_per_day": 2})
    rows = parse_csv("rep_id,name,max_open\na,Ann B.,7\n", REP_CSV)
    (rep,) = check_rows(rows, RepIn, "rep_id", {"a": stored.model_dump(mode="json")}).accepted(False)
    assert (rep.name, rep.capacity.max_open, rep.capacity.max_new_per_day) == ("Ann B.", 7, 2)
    assert (rep.team, rep.time_zone, rep.working_hours.days) == ("emea", "Europe/Berlin", [0, 1, 2])


def test_an_unknown_csv_column_refuses_the_file():
    with pytest.raises(ApiError) as refused:
        parse_csv("rep_id,name,shoe_size\na,Ann,44\n", REP_CSV)
    assert [f.field for f in refused.value.fields] == ["line 1: shoe_size"]


def test_a_csv_without_the_id_column_is_refused():
    with pytest.raises(ApiError, match="header"):
        parse_csv("name\nAnn\n", REP_CSV)


def test_a_row_with_more_cells_than_columns_is_rejected():
    check = check_rows(parse_csv("rep_id,name\na,Ann,extra\n", REP_CSV), RepIn, "rep_id", {})
    assert _fields(check) == ["line 2"]


def test_an_id_given_twice_rejects_the_later_row():
    check = _reps("a,Ann,,,,UTC,,,\na,Ann again,,,,UTC,,,\n")
    assert _fields(check) == ["line 3: rep_id"]


def test_a_json_body_must_be_an_array():
    with pytest.raises(ApiError, match="array"):
        parse_json_rows({"rep_id": "a"})


def test_a_json_row_that_is_not_an_object_is_rejected():
    check = check_rows(parse_json_rows([{"rep_id": "a", "name": "Ann"}, "b"]), RepIn, "rep_id", {})
    assert _fields(check) == ["[1]"]


def test_account_domains_are_split_on_semicolons_and_normalised():
    rows = parse_csv("account_id,name,owner_rep_id,key_account,domains\n"
                     "acme,Acme,,yes,https://www.acme.co.uk/x; ceo@ACME.co.uk ;acme.de\n", ACCOUNT_CSV)
    (account,) = check_rows(rows, AccountIn, "account_id", {}).accepted(False)
    assert account.domains == ["acme.co.uk", "acme.de"]
    assert account.key_account is True


def test_a_domain_of_another_account_or_an_earlier_row_rejects_the_row():
    rows = parse_json_rows([{"account_id": "a", "name": "A", "domains": ["a.com"]},
                            {"account_id": "b", "name": "B", "domains": ["www.a.com"]},
                            {"account_id": "c", "name": "C", "domains": ["held.com"]},
                            {"account_id": "d", "name": "D", "domains": ["d.com"]}])
    check = check_rows(rows, AccountIn, "account_id", {})
    check.refuse_taken_domains({"held.com": "zeta", "d.com": "d"})
    assert _fields(check) == ["[1].domains", "[2].domains"]
    assert check.rejected[1].fields[0].message == "held.com belongs to account 'zeta'"


def test_overlapping_out_of_office_periods_are_refused():
    rows = parse_json_rows([{"rep_id": "a", "name": "Ann", "out_of_office": [
        {"starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-05T00:00:00Z"},
        {"starts_at": "2030-01-04T00:00:00Z", "ends_at": "2030-01-06T00:00:00Z"}]}])
    assert _fields(check_rows(rows, RepIn, "rep_id", {})) == ["[0].out_of_office"]


def test_working_hours_must_end_after_they_start():
    rows = parse_json_rows([{"rep_id": "a", "name": "Ann", "working_hours": {"start": "17:00", "end": "09:00"}}])
    assert _fields(check_rows(rows, RepIn, "rep_id", {})) == ["[0].working_hours"]


def _chain(n: int, top_manager: str) -> str:
    """Rep r0 managed by `top_manager`, every r(i) by r(i-1): one long line of references."""
    return "".join(f"r{i},Rep {i},,,{'r' + str(i - 1) if i else top_manager},UTC,,,\n" for i in range(n))


def test_a_rejected_manager_orphans_every_rep_below_it():
    check = _reps(_chain(5, "ghost"))
    check.require_references("manager_id", set(), within=True)
    assert [r.id for r in check.rejected] == ["r0", "r1", "r2", "r3", "r4"]
    assert check.rejected[0].fields[0].message == "unknown rep 'ghost'"


def test_a_rejected_row_whose_id_is_stored_orphans_nobody():
    check = _reps("a,Ann,,,,Mars/Olympus,,,\nb,Bob,,,a,UTC,,,\n", stored={"a": {"rep_id": "a", "name": "Ann"}})
    check.require_references("manager_id", {"a"}, within=True)
    assert [r.id for r in check.rejected] == ["a"]  # b's manager a is stored, whatever the import says of it


def test_a_long_chain_of_managers_refuses_every_link_behind_an_unknown_one():
    # 20,000 links: the check was quadratic (one pass over all rows per link); its speed is not asserted here.
    check = _reps(_chain(20_000, "ghost"))
    check.require_references("manager_id", set(), within=True)
    assert len(check.rejected) == 20_000 and not check.good
