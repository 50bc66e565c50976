"""The `BenchSession` the window, `main.py replay` and the tests hold: its steps live in
the modules of this package, one seam each; signing in is here."""

from __future__ import annotations

from app.bench.connectivity import Connected
from app.bench.screen import ERROR, OK, Screen
from app.errors import ReturnBenchError
from app.services.auth import SignedInUser
from app.services.qa import RegradeNews


class BenchSession(Connected):
    """One bench's session; its steps live in the modules of this package, one seam each
    (core, lots, totes, inspection, scan, answers, connectivity); signing in is here."""

    def sign_in(self, username: str, pin: str) -> Screen:
        try:
            self.user = self._s.auth.sign_in(username, pin)
        except ReturnBenchError as exc:
            return Screen(ERROR, self._say(exc), "bad")
        self.signed_out = None
        self.restore_totes_due()
        return Screen(OK, f"Signed in: {self.user.display_name} ({self.user.role.value}).",
                      place="receive")

    def use(self, user: SignedInUser) -> None:
        """The window signed the user in already. A new user at this bench is told the
        dresses still in no tote (the same user again, as Inspect does on each parcel,
        needs no second look)."""
        changed = self.user is None or self.user.id != user.id
        self.user, self.signed_out = user, None
        if changed:
            self.restore_totes_due()

    def qa_news(self) -> list[RegradeNews]:
        """Blind re-grades that changed this inspector's decisions, not yet shown to
        them (each is shown once: at the sign-in after it)."""
        if self._s.qa is None or self.user is None:
            return []
        try:
            return self._s.qa.news(self.user)
        except ReturnBenchError:
            return []  # the database is away: the news waits for the next sign-in
