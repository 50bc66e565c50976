"""Use cases, one unit of work each. The UI and the CLI call these, never a Session."""
