"""Reading what the bench scans: our own codes, carrier tracking numbers, barcodes in images."""
