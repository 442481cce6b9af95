"""Database plumbing shared by every context: declarative base, engine, unit of work, migrations."""
