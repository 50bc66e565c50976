"""Documents and labels: PDF (ReportLab) and ZPL layouts, and the printer back ends."""
