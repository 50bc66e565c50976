"""Saving a document the app produced (authorization log, carrier-claim packet) into the
station's documents folder: the one function lives in app/files.py, for the bench's desks
and the pages alike."""

from app.files import save_document

__all__ = ["save_document"]
