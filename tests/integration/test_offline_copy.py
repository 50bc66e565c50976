"""The bench's local copy (issue 20, first part): the returns still to come with what a
lookup needs, read by the same lookup service from the bench's own file; PIN hashes only
for who signed in at this bench online in the last 12 hours; a whole file or none."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from app.errors import AuthenticationFailed
from app.services.auth import AuthService
from app.services.local_copy import LocalCopy
from app.services.lookup import LookupService
from app.services.uow import UnitOfWork
from models import ReturnAuthorization


def test_the_copy_reads_like_the_server_and_keeps_only_recent_pins(  # type: ignore[no-untyped-def]
        session_factory, demo, clock, tmp_path: Path) -> None:
    sf = session_factory
    AuthService(sf, clock, "BENCH-07").sign_in("ines", "1111")  # online, at this bench
    AuthService(sf, clock, "BENCH-02").sign_in("carl", "2222")  # another bench
    copy = LocalCopy(sf, clock, "BENCH-07", tmp_path / "local.sqlite")
    assert copy.refreshed_at() is None
    report = copy.refresh()
    assert report.users_with_pin == ("ines",) and report.rmas > 0
    assert copy.refreshed_at() == clock.now()
    local = copy.session_factory()
    with UnitOfWork(local) as uow:  # a return still to come, as the copy holds it
        number = uow.session.scalars(select(ReturnAuthorization.number)
                                     .order_by(ReturnAuthorization.id)).first()
        held = len(uow.session.scalars(select(ReturnAuthorization.id)).all())
    assert number is not None and held == report.rmas
    online = LookupService(sf, clock).find_return(number)
    offline = LookupService(local, clock).find_return(number)
    assert offline.rma_number == online.rma_number and offline.customer_name == online.customer_name
    assert offline.items == online.items
    # Offline sign-in: Ines (here online within 12 hours) yes; Carl and Sam no.
    auth = AuthService(local, clock, "BENCH-07")
    assert auth.sign_in("ines", "1111").username == "ines"
    for who, pin in (("carl", "2222"), ("sam", "333333")):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(who, pin)
    # Thirteen hours on, a refresh keeps no PIN at all.
    clock.advance(dt.timedelta(hours=13))
    assert copy.refresh().users_with_pin == ()
