"""The server away and back: the bench on its local copy, the journal replayed, and the
photos, forms and decision kept on the bench saved when the database answers again."""

from __future__ import annotations

from app.bench.answers import Answering
from app.bench.ports import OfflinePort
from app.bench.results import Synced
from app.bench.screen import ERROR, OK, WARN, Screen
from app.errors import DatabaseUnavailable, ReturnBenchError
from app.services.journal import OfflineStatus


class Connected(Answering):
    def start_offline(self) -> None:
        """The bench started without its server: on the local copy from the start."""
        self._go_offline()

    def offline_status(self) -> OfflineStatus | None:
        if self.offline_port is None:
            return None
        try:
            return self.offline_port.status()
        except ReturnBenchError:
            return None

    def go_online(self) -> Screen | None:
        """The server answers: replay the journal (in order, once each); back on the
        server's services when all of it went through. None: nothing to do."""
        port = self.offline_port
        if port is None or (not self.is_offline and not port.status().waiting):
            return None
        try:
            report = port.reconcile()
        except DatabaseUnavailable as exc:
            return Screen(WARN, f"Still offline: {self._say(exc)}")
        if report.left:
            return Screen(WARN, f"Syncing stopped, the server went away again: "
                          f"{report.words()}. It resumes by itself.")
        self._s = self._online
        port.offline = False
        self.refresh_parcel()
        self.restore_totes_due()  # the dresses decided offline go into their totes now
        words = f"Back online: {report.words()}."
        qa = self._relabel_set_aside(port)
        if qa:
            words += f" {qa}"
        if report.conflicts:
            return Screen(WARN, words + " A supervisor settles those under Needs a look "
                          "(F10).", "bad", result=Synced(report.applied, report.conflicts))
        return Screen(OK, words, result=Synced(report.applied, 0))

    def _relabel_set_aside(self, port: OfflinePort) -> str:
        """Dresses decided offline that the server set aside for a blind re-grade at
        sync: their item labels again (they say QA now), once each."""
        aside, port.set_aside = list(port.set_aside), []
        if not aside or self.user is None:
            return ""
        for rma, unit in aside:
            self._print(rma, [(unit, "item")], f"qa-sync/{rma}")
        names = ", ".join(f"{rma} item {unit}" for rma, unit in aside[:3])
        more = f" and {len(aside) - 3} more" if len(aside) > 3 else ""
        return (f"{len(aside)} dress{'es' if len(aside) != 1 else ''} decided offline "
                f"{'were' if len(aside) != 1 else 'was'} set aside for a blind QA re-grade "
                f"({names}{more}): the new label says QA; put "
                f"{'them' if len(aside) != 1 else 'it'} in the QA tote.")

    def database_back(self) -> list[Screen]:
        """The database answers again: save the photos and forms kept on this bench, then
        the decision that waited (once: it carries its request key)."""
        out: list[Screen] = []
        synced = self.go_online()
        if synced is not None:
            out.append(synced)
            if self.is_offline:
                return out
        while self.pending_photos and self.user is not None:
            rma, unit, image, slot, override = self.pending_photos[0]
            try:
                photo = self._s.inspection.add_photo(rma, unit, image, self.user, slot,
                                                     override)
            except DatabaseUnavailable:
                return out  # away again; the next "back" tries again
            except ReturnBenchError as exc:
                out.append(Screen(ERROR, f"A photo kept on this bench for {rma} item {unit} "
                                  f"could not be saved: {self._say(exc)}"))
            else:
                if self.parcel is not None and self.parcel.rma_number == rma:
                    out.append(self._photo_kept(unit, photo))
            self.pending_photos.pop(0)
        if self._s.unsaved is not None and self.user is not None:
            for rma, unit, form in self._s.unsaved.all():
                if self.user is None:
                    break  # signed out by the server: kept for whoever signs in next
                try:
                    self._s.inspection.save_draft(rma, unit, form, self.user)
                except DatabaseUnavailable:
                    return out
                except ReturnBenchError as exc:
                    out.append(Screen(ERROR, f"Item {unit} of {rma} kept on this bench "
                                      f"could not be saved: {self._say(exc)}"))
                self._s.unsaved.forget(rma, unit)
        if self.pending_accept is not None:
            out.append(self.accept(self.pending_accept[0], after_outage=True))
        return out
