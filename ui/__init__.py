"""PySide6 widgets and views. Calls app services only, never a database session."""
