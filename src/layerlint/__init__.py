"""layerlint: architecture checker and linter for FastAPI + SQLAlchemy 2.0 + Pydantic v2."""

__version__ = "0.1.0"
