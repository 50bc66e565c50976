"""ReturnBench domain and services. Nothing under app/ imports Qt."""
