"""Importers: read order and RMA files from the shops into plain records."""
